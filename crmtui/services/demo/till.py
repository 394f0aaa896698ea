"""The till roll: what the café sells, when, and every sale of the demo planned in memory.

The figures the app caches are computed here exactly as the services keep them:
`points_balance` is the sum of the contact's ledger entries and `last_sale_at` the latest
sale that was not voided.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from crmtui.services.demo.common import DAY, DEMO_SETTINGS, DemoError
from crmtui.services.demo.people import Person
from crmtui.services.money import currency_exponent
from crmtui.services.sales import points_for

VOID_SHARE = 1 / 400  # a handful: about 13 in a default demo, 2,500 in a million sales

# A café menu in pence, with how often each item is bought.
_MENU: tuple[tuple[int, float], ...] = (
    (250, 6),  # espresso
    (290, 10),  # americano
    (340, 12),  # flat white
    (330, 12),  # cappuccino
    (350, 12),  # latte
    (380, 6),  # oat latte
    (260, 6),  # tea
    (360, 4),  # hot chocolate
    (275, 9),  # croissant
    (310, 6),  # pain au chocolat
    (365, 6),  # cinnamon bun
    (340, 4),  # sausage roll
    (295, 4),  # brownie
    (425, 6),  # slice of cake
    (625, 6),  # sandwich
    (650, 3),  # soup and bread
    (520, 5),  # sourdough loaf
    (1150, 1.5),  # bag of coffee beans
    (1600, 0.8),  # box of six pastries
    (3200, 0.25),  # celebration cake
    (4200, 0.1),  # afternoon tea for two
)
_MENU_CUM = list(itertools.accumulate(weight for _, weight in _MENU))
_BASKET_SIZES = (1, 2, 3, 4, 5, 6)
_BASKET_CUM = list(itertools.accumulate((46, 32, 13, 6, 2, 1)))
_POOL_SIZE = 8192


def _basket(rng: random.Random) -> int:
    size = rng.choices(_BASKET_SIZES, cum_weights=_BASKET_CUM)[0]
    return sum(price for price, _ in rng.choices(_MENU, cum_weights=_MENU_CUM, k=size))


def _amount_pools(rng: random.Random) -> dict[str, list[int]]:
    """Sale amounts to draw from: a counter customer, an office round, a wholesale order."""
    normal = [_basket(rng) for _ in range(_POOL_SIZE)]
    office = [
        sum(_basket(rng) for _ in range(rng.randint(3, 7))) if rng.random() < 0.3 else _basket(rng)
        for _ in range(_POOL_SIZE)
    ]
    wholesale = [rng.randrange(2_500, 25_000, 50) for _ in range(_POOL_SIZE)]
    return {"normal": normal, "office": office, "wholesale": wholesale}


def time_of_day_table(rng: random.Random) -> list[int]:
    """Seconds after midnight (UTC) of a sale: a breakfast rush, lunch, and a steady day."""
    table = []
    opens, closes = 7 * 3600, 18 * 3600 - 1
    for _ in range(_POOL_SIZE):
        roll = rng.random()
        if roll < 0.35:
            second = rng.gauss(8.5 * 3600, 0.8 * 3600)
        elif roll < 0.6:
            second = rng.gauss(12.75 * 3600, 0.7 * 3600)
        else:
            second = rng.uniform(opens, closes)
        table.append(int(min(max(second, opens), closes)))
    return table


def allocate_visits(rng: random.Random, expected: Sequence[float], total: int | None) -> list[int]:
    """Whole visit counts per person, proportional to `expected`, summing to `total`."""
    wanted = sum(expected)
    if total is None:
        total = round(wanted)
    if total <= 0:
        return [0] * len(expected)
    if not expected:
        raise DemoError("sales need at least one contact to buy them")
    weights = list(expected) if wanted > 0 else [1.0] * len(expected)
    scale = total / sum(weights)
    counts = [int(w * scale + rng.random()) if w > 0 else 0 for w in weights]
    cum = list(itertools.accumulate(weights))
    people = range(len(weights))
    diff = total - sum(counts)
    while diff != 0:
        for person in rng.choices(people, cum_weights=cum, k=abs(diff)):
            if diff > 0:
                counts[person] += 1
                diff -= 1
            elif counts[person] > 0:
                counts[person] -= 1
                diff += 1
    return counts


@dataclass
class Till:
    """Every sale of the demo, planned in memory before anything is written."""

    keys: list[int]  # occurred_at * stride + person index, sorted: the till roll in time order
    stride: int
    amounts: list[int]  # per position in `keys`
    voided: set[int]  # positions in `keys`
    points: dict[int, int]  # amount → points earned
    balance: list[int]  # per person: the ledger sum
    first_sale: list[int]  # per person: first sale, voided or not (0 = none)
    last_sale: list[int]  # per person: last sale that stands (0 = none)
    spend: list[int]  # per person


def plan_till(rng: random.Random, people: list[Person], counts: list[int], now_ts: int) -> Till:
    # When: a day in the person's window, at a time the café is busy.
    today0 = now_ts - now_ts % DAY
    times = time_of_day_table(rng)
    n_times = len(times)
    rnd = rng.random
    stride = max(len(people), 1)
    keys: list[int] = []
    append = keys.append
    for index, (person, count) in enumerate(zip(people, counts, strict=True)):
        low, span = person.window_to, person.window_from - person.window_to
        for _ in range(count):
            ts = today0 - int(low + span * rnd()) * DAY + times[int(rnd() * n_times)]
            if ts > now_ts:
                ts -= DAY
            if (ts // DAY + 3) % 7 == 6 and rnd() < 0.7:  # quieter on Sundays
                ts -= DAY
            append(ts * stride + index)
    keys.sort()

    # How much, how many points, and which few were voided.
    pools = _amount_pools(rng)
    exponent = currency_exponent(DEMO_SETTINGS["currency"])
    total = len(keys)
    till = Till(
        keys=keys,
        stride=stride,
        amounts=[0] * total,
        voided=set(rng.sample(range(total), round(total * VOID_SHARE))),
        points={},
        balance=[0] * len(people),
        first_sale=[0] * len(people),
        last_sale=[0] * len(people),
        spend=[0] * len(people),
    )
    for position, key in enumerate(keys):
        index, ts = key % stride, key // stride
        amount = pools[people[index].pool][int(rnd() * _POOL_SIZE)]
        till.amounts[position] = amount
        points = till.points.get(amount)
        if points is None:
            points = points_for(
                amount, points_per_unit=DEMO_SETTINGS["points_per_unit"], exponent=exponent
            )
            till.points[amount] = points
        if not till.first_sale[index]:
            till.first_sale[index] = ts
        if position in till.voided:
            continue  # earned, then reversed: no net points, and not a visit
        till.balance[index] += points
        till.spend[index] += amount
        till.last_sale[index] = ts  # keys are in time order
    return till
