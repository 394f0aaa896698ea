"""A living demo shop: a café's settings, customers from many cultures and a year of sales.

`crmtui demo` opens one so a newcomer sees a shop at work at once; the benchmarks use the
same generator at scale (100,000 contacts, 1,000,000 sales). Everything is drawn from one
`random.Random(seed)` and the injected `now`, so the same arguments give the same file.

Rows are written with SQLAlchemy Core bulk inserts on the table objects (so timestamps still
pass through UTCDateTime) in large batches inside one transaction: the demo lands whole or not
at all. The figures the app caches are computed here exactly as the services keep them:
`points_balance` is the sum of the contact's ledger entries and `last_sale_at` the latest sale
that was not voided.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberFormat
from sqlalchemy import Table, func, insert
from sqlmodel import Session, SQLModel, select

from crmtui.db.engine import Database
from crmtui.db.models import Contact, Sale
from crmtui.services.contacts import REFERRAL_ALPHABET, REFERRAL_LENGTH, build_search_text
from crmtui.services.money import currency_exponent
from crmtui.services.sales import points_for
from crmtui.services.settings import save_settings
from crmtui.services.text import fold

DEMO_SETTINGS: dict[str, str] = {
    "shop_name": "Corner Café",
    "currency": "GBP",
    "phone_region": "GB",
    "points_per_unit": "1",
}

DAY = 86_400
YEAR_DAYS = 365
BATCH = 20_000
VOID_SHARE = 1 / 400  # a handful: about 13 in a default demo, 2,500 in a million sales

Progress = Callable[[int, int], None]


class DemoError(RuntimeError):
    """The demo cannot be written here; the message says why."""


@dataclass(frozen=True)
class DemoSummary:
    """How much the generator wrote."""

    contacts: int
    sales: int
    voided_sales: int
    points_entries: int
    tags: int
    archived: int
    with_phone: int
    with_email: int


# -- names ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Culture:
    key: str
    weight: float
    female: tuple[str, ...]
    male: tuple[str, ...]
    # (masculine or neutral form, feminine form)
    family: tuple[tuple[str, str], ...]
    home_region: str = "GB"
    home_phone_share: float = 0.0  # the rest have a GB number
    domains: tuple[str, ...] = ("gmail.com", "outlook.com", "icloud.com", "yahoo.co.uk")
    nicknames: tuple[tuple[str, str], ...] = ()
    han: bool = False  # family name first, no space
    middle: tuple[str, str] | None = None  # (female, male) word between family and given name
    double_family: float = 0.0  # share with two family names (Spanish)


def _culture(
    key: str,
    weight: float,
    *,
    female: str,
    male: str,
    family: str,
    domains: str = "gmail.com, outlook.com, icloud.com, yahoo.co.uk",
    nicknames: str = "",
    **options: Any,
) -> _Culture:
    """Lists are written as "a, b, c"; a family name "Kowalski/Kowalska" has two forms."""

    def items(text: str) -> tuple[str, ...]:
        return tuple(item.strip() for item in text.split(",") if item.strip())

    forms = tuple((name.split("/")[0], name.split("/")[-1]) for name in items(family))
    pairs = tuple((pair.split("=")[0], pair.split("=")[1]) for pair in items(nicknames))
    return _Culture(
        key=key,
        weight=weight,
        female=items(female),
        male=items(male),
        family=forms,
        domains=items(domains),
        nicknames=pairs,
        **options,
    )


_CULTURES: tuple[_Culture, ...] = (
    _culture(
        "english",
        0.40,
        female="Olivia, Amelia, Isla, Ava, Emily, Sophie, Grace, Lily, Ella, Hannah, Chloe, "
        "Charlotte, Jessica, Lucy, Sarah, Emma, Anna, Poppy, Freya, Rosie, Megan, Elizabeth, "
        "Katherine, Margaret, Joan",
        male="Oliver, George, Harry, Jack, Charlie, Thomas, James, William, Daniel, Samuel, "
        "Joshua, Henry, Alfie, Oscar, Noah, Leo, Archie, Edward, Matthew, Robert, Michael, "
        "David, Richard, Benjamin",
        family="Smith, Jones, Taylor, Brown, Williams, Wilson, Johnson, Davies, Robinson, "
        "Wright, Thompson, Evans, Walker, White, Roberts, Green, Hall, Wood, Jackson, Clarke, "
        "King, Kelly, Knight, Kerr, Kent, Hughes, Edwards, O'Brien, MacDonald, Baker, Harris, "
        "Lewis, Morgan, Cooper, Ward, Price, Bennett, Turner, Parker, Collins, Kirby",
        domains="gmail.com, outlook.com, hotmail.co.uk, yahoo.co.uk, btinternet.com, "
        "icloud.com, sky.com",
        nicknames="Elizabeth=Liz, Katherine=Kate, Margaret=Maggie, William=Bill, Robert=Bob, "
        "Michael=Mike, Richard=Rich, Benjamin=Ben, Samuel=Sam, Thomas=Tom, Edward=Ed, "
        "Matthew=Matt, Charlotte=Lottie, Jessica=Jess, Daniel=Dan, Joshua=Josh, James=Jim",
    ),
    _culture(
        "polish",
        0.14,
        female="Anna, Katarzyna, Małgorzata, Agnieszka, Zofia, Joanna, Ewa, Magdalena, Dorota, "
        "Jadwiga, Łucja, Żaneta, Barbara, Aleksandra, Marta, Beata, Grażyna, Halina, Krystyna, "
        "Urszula, Weronika",
        male="Łukasz, Paweł, Wojciech, Michał, Krzysztof, Grzegorz, Bartłomiej, Jędrzej, Tomasz, "
        "Piotr, Zbigniew, Stanisław, Mikołaj, Maciej, Jakub, Kacper, Przemysław, Sławomir, "
        "Jarosław, Mateusz, Rafał",
        family="Kowalski/Kowalska, Wiśniewski/Wiśniewska, Wójcik, Kamiński/Kamińska, "
        "Lewandowski/Lewandowska, Zieliński/Zielińska, Szymański/Szymańska, Woźniak, "
        "Dąbrowski/Dąbrowska, Kozłowski/Kozłowska, Jankowski/Jankowska, Mazur, Krawczyk, "
        "Kowalczyk, Piotrowski/Piotrowska, Grabowski/Grabowska, Nowak, Pawłowski/Pawłowska, "
        "Michalski/Michalska, Król, Żak, Ślusarczyk, Sęk, Wróbel, Kaczmarek, Błaszczyk, "
        "Gołębiowski/Gołębiowska, Jabłoński/Jabłońska, Kołodziej, Łuczak, "
        "Żółkiewski/Żółkiewska",
        domains="gmail.com, wp.pl, onet.pl, o2.pl, interia.pl, outlook.com",
        nicknames="Katarzyna=Kasia, Małgorzata=Gosia, Agnieszka=Aga, Joanna=Asia, "
        "Magdalena=Madzia, Aleksandra=Ola, Zofia=Zosia, Anna=Ania, Bartłomiej=Bartek, "
        "Wojciech=Wojtek, Krzysztof=Krzysiek, Grzegorz=Grześ, Tomasz=Tomek, Jakub=Kuba, "
        "Stanisław=Staś, Przemysław=Przemek",
        home_region="PL",
        home_phone_share=0.35,
    ),
    _culture(
        "spanish",
        0.08,
        female="María, Lucía, Sofía, Inés, Begoña, Nuria, Ana, Elena, Carmen, Ángela, Marta, "
        "Paula, Dolores, Pilar, Rocío, Mónica, Concepción, Mercedes, Beatriz, María José, "
        "María del Carmen",
        male="José, Martín, Álvaro, Andrés, Íñigo, Raúl, Jesús, Ramón, Iñaki, Javier, Sergio, "
        "Adrián, Rubén, Joaquín, Óscar, Héctor, Víctor, Pablo, Alejandro, Manuel, Francisco, "
        "José Luis, Juan Carlos",
        family="García, Fernández, González, Rodríguez, López, Martínez, Sánchez, Pérez, Gómez, "
        "Muñoz, Jiménez, Ruiz, Díaz, Ibáñez, Núñez, Castaño, Álvarez, Romero, Navarro, Torres, "
        "Domínguez, Vázquez, Gutiérrez, Peña, Cortés, Ortiz",
        domains="gmail.com, hotmail.es, yahoo.es, outlook.es, telefonica.net",
        nicknames="José=Pepe, Dolores=Lola, Concepción=Concha, Francisco=Paco, Pilar=Pili, "
        "Mercedes=Merche, Manuel=Manolo, Alejandro=Álex, María José=Majo",
        home_region="ES",
        home_phone_share=0.30,
        double_family=0.6,
    ),
    _culture(
        "chinese",
        0.08,
        female="芳, 娜, 敏, 静, 丽, 艳, 娟, 霞, 秀英, 桂英, 欣怡, 梓涵, "
        "雨萱, 婷, 晓燕, 玉兰, 佳怡, 雪",
        male="伟, 强, 磊, 军, 洋, 勇, 杰, 涛, 明, 超, 浩然, 子轩, "
        "建华, 晓明, 志强, 宇航, 俊杰, 鹏, 飞, 博文",
        family="王, 李, 张, 刘, 陈, 杨, 黄, 赵, 周, 吴, 徐, 孙, 马, 朱, "
        "胡, 郭, 何, 林, 高, 罗, 郑, 梁, 谢, 宋, 唐, 许, 韩, 冯",
        domains="qq.com, 163.com, 126.com, gmail.com, outlook.com",
        home_region="CN",
        home_phone_share=0.35,
        han=True,
    ),
    _culture(
        "armenian",
        0.05,
        female="Անի, Լուսինե, Մարիամ, Գոհար, Սոնա, Անահիտ, Նունե, Աննա, Արփի, Տաթևիկ, "
        "Սիրանուշ, Հասմիկ, Ժաննա",
        male="Արամ, Նարեկ, Տիգրան, Դավիթ, Հայկ, Արմեն, Գևորգ, Վահե, Սուրեն, Արտակ, Կարեն, "
        "Հովհաննես, Ռուբեն",
        family="Պետրոսյան, Հակոբյան, Սարգսյան, Գրիգորյան, Մկրտչյան, Հովհաննիսյան, Ավետիսյան, "
        "Կարապետյան, Վարդանյան, Ղազարյան, Աբրահամյան, Խաչատրյան, Մարտիրոսյան, Գասպարյան, "
        "Սահակյան",
        domains="gmail.com, mail.ru, yandex.ru, yahoo.com",
        home_region="AM",
        home_phone_share=0.40,
    ),
    _culture(
        "indian",
        0.05,
        female="Priya, Anjali, Deepa, Kavya, Sunita, Meera, Ananya, Aarti",
        male="Arjun, Ravi, Sanjay, Vikram, Rohan, Amit, Raj, Kiran",
        family="Patel, Sharma, Shah, Kapoor, Gupta, Singh, Mistry, Khan, Iyer",
    ),
    _culture(
        "irish",
        0.04,
        female="Siobhán, Aoife, Niamh, Saoirse, Róisín, Caoimhe, Orla",
        male="Seán, Ciarán, Pádraig, Oisín, Cian, Darragh, Eoin",
        family="O'Sullivan, Murphy, Kelly, Byrne, Ryan, O'Connor, Doyle, McCarthy, "
        "Ó Ceallaigh, Kavanagh",
        domains="gmail.com, eircom.net, outlook.com",
    ),
    _culture(
        "german",
        0.03,
        female="Anna, Lena, Jana, Ursula, Sabine, Jutta, Käthe, Mia",
        male="Jürgen, Günther, Lukas, Jörg, Matthias, Stefan, Uwe, Björn",
        family="Müller, Schäfer, Köhler, Weiß, Schröder, Krüger, Hoffmann, Becker, Groß, Böhm, "
        "Kühn, Fuchs",
        domains="gmail.com, web.de, gmx.de, t-online.de",
    ),
    _culture(
        "french",
        0.03,
        female="Chloé, Anaïs, Hélène, Céline, Léa, Zoé, Maëlle, Françoise",
        male="François, Loïc, Jérôme, Rémi, Théo, Benoît, Gaël, Noël",
        family="Dubois, Lefèvre, Moreau, Girard, Rousseau, Bérard, Fontaine, Mercier, Lemaître, "
        "Chevalier",
        domains="gmail.com, orange.fr, free.fr, laposte.net",
    ),
    _culture(
        "greek",
        0.03,
        female="Μαρία, Ελένη, Κατερίνα, Σοφία, Δήμητρα, Αναστασία",
        male="Γιώργος, Νίκος, Κώστας, Δημήτρης, Γιάννης, Παναγιώτης",
        family="Παπαδόπουλος/Παπαδοπούλου, Παπαδάκης/Παπαδάκη, Γεωργίου, Νικολάου, Οικονόμου, "
        "Καραγιάννης/Καραγιάννη",
        domains="gmail.com, yahoo.gr, hotmail.com",
    ),
    _culture(
        "turkish",
        0.03,
        female="Ayşe, Elif, Zeynep, Çağla, Gülşen, Özlem",
        male="Mehmet, Mustafa, İbrahim, Oğuz, Barış, Emre",
        family="Yılmaz, Öztürk, Şahin, Doğan, Kaya, Çelik, Aydın, Arslan",
        domains="gmail.com, hotmail.com, yandex.com.tr",
    ),
    _culture(
        "vietnamese",
        0.03,
        female="Anh, Linh, Hương, Lan, Mai, Thảo, Ngọc",
        male="Minh, Hùng, Dũng, Tuấn, Quang, Khoa, Đức",
        family="Nguyễn, Trần, Lê, Phạm, Hoàng, Phan, Vũ, Đặng",
        middle=("Thị", "Văn"),
    ),
)
_CULTURE_BY_KEY = {culture.key: culture for culture in _CULTURES}
_CULTURE_CUM = list(itertools.accumulate(culture.weight for culture in _CULTURES))

# English names people at the counter use for friends with Chinese names.
_CHINESE_GREETINGS = ("Kevin", "Jenny", "Vicky", "Tony", "Grace", "Eric", "Lily", "Jason", "Amy")


@dataclass(frozen=True)
class _Showcase:
    """Someone every demo has, so the first searches a newcomer tries find a person."""

    full_name: str
    culture: str
    female: bool
    greeting: str | None = None
    home_phone: bool = False


_SHOWCASE: tuple[_Showcase, ...] = (
    _Showcase("Łukasz Wiśniewski", "polish", female=False),
    _Showcase("王伟", "chinese", female=False, greeting="Wei", home_phone=True),
    _Showcase("Արամ Պետրոսյան", "armenian", female=False, home_phone=True),
    _Showcase("Anna Kowalska", "polish", female=True, greeting="Ania"),
    _Showcase("Anna Kelly", "english", female=True),
    _Showcase("José María Fernández Núñez", "spanish", female=False, home_phone=True),
    _Showcase("Anna Krawczyk", "polish", female=True, home_phone=True),
    _Showcase("Oliver Smith", "english", female=False),
    _Showcase("Małgorzata Żak", "polish", female=True, greeting="Gosia"),
    _Showcase("Աննա Կարապետյան", "armenian", female=True),
    _Showcase("李娜", "chinese", female=True, greeting="Lina"),
    _Showcase("Lucía Gómez Ibáñez", "spanish", female=True),
)


def _pick_name(rng: random.Random, culture: _Culture, female: bool) -> tuple[str, str]:
    """(full name, given name) in the culture's own script and order."""
    given = rng.choice(culture.female if female else culture.male)
    family = rng.choice(culture.family)[1 if female else 0]
    if culture.han:
        return family + given, given
    if culture.middle is not None:
        return f"{family} {culture.middle[0 if female else 1]} {given}", given
    if culture.double_family and rng.random() < culture.double_family:
        second = rng.choice(culture.family)[0]
        if second != family:
            family = f"{family} {second}"
    return f"{given} {family}", given


# -- phones ---------------------------------------------------------------------------------

# National number length, and "prefix:weight" ranges that phonenumbers accepts (mobiles, and a
# few geographic GB ranges). Every drawn number is still checked with is_valid_number.
_PHONE_PLANS: dict[str, tuple[int, str]] = {
    "GB": (10, "74:3 75:3 77:4 78:4 79:4 73:1 71:1 207:0.8 208:0.5 121:0.2 161:0.2 113:0.1"),
    "PL": (9, "50:2 51:2 53:1 57:1 60:2 66:1 69:2 72:1 78:1 79:2 88:1"),
    "CN": (11, "13:4 15:3 18:3 17:1 19:1"),
    "AM": (8, "77:3 91:2 93:2 94:1 95:1 98:1 99:2 55:1 41:1 43:1"),
    "ES": (9, "6:6 71:1 72:1 73:1"),
}


def _phone_ranges(region: str) -> tuple[int, tuple[str, ...], list[float]]:
    length, plan = _PHONE_PLANS[region]
    pairs = [item.split(":") for item in plan.split()]
    weights = itertools.accumulate(float(weight) for _, weight in pairs)
    return length, tuple(prefix for prefix, _ in pairs), list(weights)


_PHONE_RANGES = {region: _phone_ranges(region) for region in _PHONE_PLANS}


def _new_phone(rng: random.Random, region: str, taken: set[str]) -> tuple[str, str]:
    """(as typed, E.164): a valid, unused number of `region`, written as people type it."""
    length, prefixes, cum_weights = _PHONE_RANGES[region]
    country_code = phonenumbers.country_code_for_region(region)
    for _ in range(200):
        prefix = rng.choices(prefixes, cum_weights=cum_weights)[0]
        rest = length - len(prefix)
        national = prefix + str(rng.randrange(10**rest)).zfill(rest)
        number = phonenumbers.PhoneNumber(country_code=country_code, national_number=int(national))
        if not phonenumbers.is_valid_number(number):
            continue
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        if e164 in taken:
            continue
        taken.add(e164)
        return _as_typed(rng, number, e164, home=region == "GB"), e164
    raise DemoError(f"could not draw a valid {region} phone number")  # a broken plan above


def _as_typed(rng: random.Random, number: phonenumbers.PhoneNumber, e164: str, home: bool) -> str:
    roll = rng.random()
    international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    if not home:  # a foreign number is written with its country code
        if roll < 0.55:
            return international
        if roll < 0.75:
            return e164
        if roll < 0.90:
            return "00" + international[1:]
        return international.replace(" ", "-")
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    if roll < 0.45:
        return national
    if roll < 0.70:
        return national.replace(" ", "")
    if roll < 0.82:
        return international
    if roll < 0.88:
        return e164
    digits = "0" + str(number.national_number)
    if roll < 0.94 and len(digits) == 11:
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    return national.replace(" ", "-")


# -- the till -------------------------------------------------------------------------------

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


def _time_of_day_table(rng: random.Random) -> list[int]:
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


# -- customers' habits ----------------------------------------------------------------------

# How customers come back, and what share of them does so.
_HABITS: tuple[tuple[str, float], ...] = (
    ("regular", 0.16),  # weekly or more, all year
    ("occasional", 0.40),  # every few weeks
    ("lapsed", 0.20),  # came for a while, stopped months ago
    ("new", 0.10),  # first came in the last six weeks
    ("once", 0.10),  # one visit
    ("never", 0.04),  # signed up, never bought
)
_HABIT_KINDS = tuple(kind for kind, _ in _HABITS)
_HABIT_CUM = list(itertools.accumulate(share for _, share in _HABITS))


@dataclass
class _Person:
    culture: _Culture
    female: bool
    full_name: str
    given: str
    greeting_name: str | None
    habit: str
    visits_expected: float
    window_from: float  # days before now
    window_to: float
    created_ago_days: float
    pool: str
    tags: list[str]
    home_phone: bool


def _habit_window(rng: random.Random, habit: str) -> tuple[float, float, float]:
    """(days ago the visits start, days ago they stop, visits expected in between)."""
    if habit == "regular":
        start = YEAR_DAYS if rng.random() < 0.6 else rng.uniform(120, YEAR_DAYS)
        return start, 0.0, start * rng.uniform(0.7, 2.0) / 7
    if habit == "occasional":
        start = YEAR_DAYS if rng.random() < 0.4 else rng.uniform(45, YEAR_DAYS)
        return start, 0.0, max(1.0, start * rng.uniform(1 / 60, 1 / 14))
    if habit == "lapsed":
        start = rng.uniform(150, YEAR_DAYS)
        stop = rng.uniform(60, start - 30)
        return start, stop, max(2.0, (start - stop) * rng.uniform(1 / 30, 1 / 7))
    if habit == "new":
        start = rng.uniform(1, 42)
        return start, 0.0, max(1.0, start * rng.uniform(1 / 10, 3 / 7))
    if habit == "once":
        day = rng.uniform(0, YEAR_DAYS)
        return day, max(0.0, day - 1), 1.0
    return 0.0, 0.0, 0.0


def _new_person(rng: random.Random, showcase: _Showcase | None) -> _Person:
    if showcase is not None:
        culture = _CULTURE_BY_KEY[showcase.culture]
        female = showcase.female
        full_name = showcase.full_name
        given = full_name.split()[0] if not culture.han else full_name[1:]
        greeting = showcase.greeting
        habit = "regular" if rng.random() < 0.6 else "occasional"
        home_phone = showcase.home_phone
    else:
        culture = _CULTURES[bisect.bisect_right(_CULTURE_CUM, rng.random() * _CULTURE_CUM[-1])]
        female = rng.random() < 0.52
        full_name, given = _pick_name(rng, culture, female)
        greeting = None
        roll = rng.random()
        if culture.han and roll < 0.25:
            greeting = rng.choice(_CHINESE_GREETINGS)
        elif roll < 0.12:
            greeting = dict(culture.nicknames).get(given)
        habit = _HABIT_KINDS[bisect.bisect_right(_HABIT_CUM, rng.random() * _HABIT_CUM[-1])]
        home_phone = rng.random() < culture.home_phone_share
    window_from, window_to, visits = _habit_window(rng, habit)
    tags: list[str] = []
    pool = "normal"
    roll = rng.random()
    if roll < 0.006 and habit in ("regular", "occasional"):
        tags.append("wholesale")
        pool = "wholesale"
        visits = max(1.0, visits / 4)
    elif roll < 0.08:
        tags.append("office")
        pool = "office"
    if habit == "regular" and rng.random() < 0.75:
        tags.append("regular")
    if rng.random() < 0.09:
        tags.append("student")
    if rng.random() < 0.12:
        tags.append("neighbour")
    if rng.random() < 0.004:
        tags.append("staff")
    if habit == "never" or window_from >= YEAR_DAYS - 1:
        created_ago = max(window_from, 1.0) + rng.uniform(0, 2 * YEAR_DAYS)
    else:
        created_ago = window_from + rng.uniform(0, 3)
    return _Person(
        culture=culture,
        female=female,
        full_name=full_name,
        given=given,
        greeting_name=greeting,
        habit=habit,
        visits_expected=visits,
        window_from=window_from,
        window_to=window_to,
        created_ago_days=created_ago,
        pool=pool,
        tags=tags,
        home_phone=home_phone,
    )


def _allocate(rng: random.Random, expected: Sequence[float], total: int | None) -> list[int]:
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


# -- the rest of a contact ------------------------------------------------------------------


def _email(
    rng: random.Random, person: _Person, birth_year: int | None, taken: set[str]
) -> str | None:
    words = [
        "".join(ch for ch in word if ch.isascii() and ch.isalnum())
        for word in fold(person.full_name).split()
    ]
    words = [word for word in words if word]
    if not words:
        return None
    if person.culture.han and len(words) >= 2:
        first, last = "".join(words[1:]), words[0]  # 王伟 → wei, wang
    elif person.culture.middle is not None:
        first, last = words[-1], words[0]
    else:
        first, last = words[0], words[-1]
    style = rng.random()
    if style < 0.35:
        local = f"{first}.{last}"
    elif style < 0.55:
        local = f"{first}{last}"
    elif style < 0.70:
        local = f"{first[0]}{last}"
    elif style < 0.85:
        suffix = birth_year % 100 if birth_year else rng.randint(1, 99)
        local = f"{first}.{last}{suffix:02d}"
    elif style < 0.93:
        local = f"{first}_{last}"
    else:
        local = f"{last}.{first}"
    domain = rng.choice(person.culture.domains)
    email = f"{local}@{domain}"
    while email in taken:
        email = f"{local}{rng.randint(1, 999)}@{domain}"
    taken.add(email)
    return email


def _birthday(
    rng: random.Random, person: _Person, now: datetime
) -> tuple[int | None, int | None, int | None]:
    """(year or None, month, day) for most people; nothing for the rest."""
    if rng.random() > 0.72:
        return None, None, None
    if "student" in person.tags:
        age = rng.randint(18, 24)
    else:
        age = int(min(85, max(16, rng.gauss(38, 13))))
    month = rng.randint(1, 12)
    days = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
    day = rng.randint(1, days)
    year: int | None = now.year - age
    if rng.random() < 0.3:
        year = None  # "24.12": people often give the day, not the year
    elif year is not None and (month, day) == (2, 29) and year % 4:
        day = 28
    return year, month, day


_NOTES = (
    "Allergic to nuts: always check the label.",
    "Oat milk, extra hot.",
    "Orders a birthday cake every March.",
    "Works at the bank next door; often orders for the team.",
    "Likes the window seat.",
    "Prefers decaf after noon.",
    "Gluten-free: offer the almond cake.",
    "Brings the dog; keep a biscuit back.",
    "Lubi sernik z rodzynkami.",
    "Pays by card only.",
    "Asked us to hold a sourdough loaf on Saturdays.",
)
_VOID_REASONS = (
    "undone at the counter",
    "rung up twice",
    "wrong amount",
    "customer changed their mind",
    "card payment declined",
)
_CONSENT_LATER_SOURCES = ("edit", "paper form", "qr signup")


# -- writing --------------------------------------------------------------------------------


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    while batch := list(itertools.islice(rows, size)):
        yield batch


def _referral_codes(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    codes = []
    while len(codes) < count:
        code = "".join(rng.choices(REFERRAL_ALPHABET, k=REFERRAL_LENGTH))
        if code not in taken:
            taken.add(code)
            codes.append(code)
    return codes


@dataclass
class _Till:
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


def _plan_till(rng: random.Random, people: list[_Person], counts: list[int], now_ts: int) -> _Till:
    # When: a day in the person's window, at a time the café is busy.
    today0 = now_ts - now_ts % DAY
    times = _time_of_day_table(rng)
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
    till = _Till(
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


def generate_demo(
    db: Database,
    *,
    now: datetime,
    contacts: int = 320,
    sales: int | None = None,
    seed: int = 7,
    progress: Progress | None = None,
) -> DemoSummary:
    """Fill an empty, migrated shop file with a café, its customers and a year of sales.

    `sales=None` draws about a year of the customers' habits (a few thousand sales for 320
    contacts); a number scales those habits to exactly that many sales. `progress` is called
    as (rows written, rows to write), counting contacts and sales. Raises DemoError if the
    file already holds customers or sales: a demo never mixes with a real shop.
    """
    if now.tzinfo is None:
        raise ValueError("generate_demo needs a timezone-aware `now`")
    if contacts < 0 or (sales is not None and sales < 0):
        raise ValueError("contacts and sales cannot be negative")
    rng = random.Random(seed)
    now_ts = int(now.timestamp())

    # 1. Who the customers are, how often they come, and what they bought.
    people = [
        _new_person(rng, _SHOWCASE[i] if i < len(_SHOWCASE) else None) for i in range(contacts)
    ]
    counts = _allocate(rng, [person.visits_expected for person in people], sales)
    till = _plan_till(rng, people, counts, now_ts)

    # 2. When they joined (before their first sale); ids follow that order, as in a real shop.
    times = _time_of_day_table(rng)
    created = []
    for index, person in enumerate(people):
        day = now_ts - now_ts % DAY - int(person.created_ago_days) * DAY
        joined = day + times[rng.randrange(len(times))]
        if till.first_sale[index]:
            joined = min(joined, till.first_sale[index] - rng.randint(60, 900))
        created.append(min(joined, now_ts - 60))
    buyers = sorted(
        (i for i in range(contacts) if till.spend[i]), key=lambda i: (-till.spend[i], i)
    )
    for index in buyers[: max(1, len(buyers) // 50)]:
        people[index].tags.append("vip")
    order = sorted(range(contacts), key=lambda i: (created[i], i))
    ids = [0] * contacts
    for number, index in enumerate(order):
        ids[index] = number + 1  # the file is empty (checked below): numbering starts at 1

    total_rows = contacts + len(till.keys)
    written = 0

    def report(rows: int) -> None:
        nonlocal written
        written += rows
        if progress is not None:
            progress(written, total_rows)

    # 3. One transaction: the demo lands whole or not at all.
    with db.write() as session:
        _refuse_real_shop(session)
        saved = save_settings(session=session, values=DEMO_SETTINGS)
        report(0)
        counted = _write_contacts(
            session,
            rng,
            people=people,
            order=order,
            ids=ids,
            created=created,
            till=till,
            now=now,
            report=report,
        )
        entries = _write_till(
            session,
            rng,
            till=till,
            ids=ids,
            currency=saved.currency,
            seed=seed,
            now_ts=now_ts,
            report=report,
        )
    return DemoSummary(
        contacts=contacts,
        sales=len(till.keys),
        voided_sales=len(till.voided),
        points_entries=entries,
        tags=counted["tags"],
        archived=counted["archived"],
        with_phone=counted["with_phone"],
        with_email=counted["with_email"],
    )


def _write_contacts(
    session: Session,
    rng: random.Random,
    *,
    people: list[_Person],
    order: list[int],
    ids: list[int],
    created: list[int],
    till: _Till,
    now: datetime,
    report: Callable[[int], None],
) -> dict[str, int]:
    """Insert the contacts and their tags; returns counts for the summary."""
    connection = session.connection()
    taken = set(session.exec(select(Contact.referral_code)).all())
    codes = _referral_codes(rng, len(people), taken)
    phones: set[str] = set()
    emails: set[str] = set()
    counted = {"tags": 0, "archived": 0, "with_phone": 0, "with_email": 0}

    def rows() -> Iterator[dict[str, Any]]:
        for number, index in enumerate(order):
            row = _contact_row(
                rng,
                people[index],
                contact_id=ids[index],
                referral_code=codes[number],
                created_ts=created[index],
                last_sale_ts=till.last_sale[index],
                balance=till.balance[index],
                now=now,
                phones_taken=phones,
                emails_taken=emails,
            )
            counted["archived"] += row["archived_at"] is not None
            counted["with_phone"] += row["phone_e164"] is not None
            counted["with_email"] += row["email"] is not None
            yield row

    contact_table = _table("contact")
    for batch in _batches(rows(), BATCH):
        connection.execute(insert(contact_table), batch)
        report(len(batch))

    tag_rows = (
        {"contact_id": ids[index], "tag": tag}
        for index in order
        for tag in sorted(set(people[index].tags))
    )
    tag_table = _table("contact_tag")
    for batch in _batches(tag_rows, BATCH):
        connection.execute(insert(tag_table), batch)
        counted["tags"] += len(batch)
    return counted


def _write_till(
    session: Session,
    rng: random.Random,
    *,
    till: _Till,
    ids: list[int],
    currency: str,
    seed: int,
    now_ts: int,
    report: Callable[[int], None],
) -> int:
    """Insert the sales and the ledger, both in time order; returns how many entries."""
    connection = session.connection()
    sale_table, entry_table = _table("sale"), _table("points_entry")
    sale_rows: list[dict[str, Any]] = []
    entry_rows: list[dict[str, Any]] = []
    # Reversals wait here until the till roll reaches their time: (time, sale, contact, points).
    reversals: list[tuple[int, int, int, int, str]] = []
    stride = till.stride
    entries_written = 0

    def entry(contact_id: int, kind: str, delta: int, reason: str, sale_id: int, ts: int) -> None:
        entry_rows.append(
            {
                "id": len(entry_rows) + entries_written + 1,
                "contact_id": contact_id,
                "kind": kind,
                "delta": delta,
                "reason": reason,
                "sale_id": sale_id,
                "created_at": _utc(ts),
            }
        )

    def reverse_until(ts: int) -> None:
        while reversals and reversals[0][0] <= ts:
            void_ts, sale_id, contact_id, held, reason = heapq.heappop(reversals)
            entry(
                contact_id, "reverse", -held, f"void of sale #{sale_id}: {reason}", sale_id, void_ts
            )

    for position, key in enumerate(till.keys):
        ts = key // stride
        reverse_until(ts)
        contact_id = ids[key % stride]
        sale_id = position + 1
        amount = till.amounts[position]
        points = till.points[amount]
        voided_at = void_reason = None
        if position in till.voided:
            void_ts = min(now_ts, ts + rng.randint(30, 900))
            void_reason = rng.choice(_VOID_REASONS)
            voided_at = _utc(void_ts)
            if points > 0:
                heapq.heappush(reversals, (void_ts, sale_id, contact_id, points, void_reason))
        sale_rows.append(
            {
                "id": sale_id,
                "contact_id": contact_id,
                "amount_minor": amount,
                "currency": currency,
                "occurred_at": _utc(ts),
                "note": "",
                "idempotency_key": f"demo-{seed}-{sale_id}",
                "voided_at": voided_at,
                "void_reason": void_reason,
            }
        )
        if points > 0:
            entry(contact_id, "earn", points, f"sale #{sale_id}", sale_id, ts)
        if len(sale_rows) >= BATCH or position == len(till.keys) - 1:
            if position == len(till.keys) - 1:
                reverse_until(now_ts)
            connection.execute(insert(sale_table), sale_rows)
            report(len(sale_rows))
            sale_rows.clear()
            if entry_rows:
                connection.execute(insert(entry_table), entry_rows)
                entries_written += len(entry_rows)
                entry_rows.clear()
    return entries_written


def _refuse_real_shop(session: Session) -> None:
    has_contacts = session.exec(select(func.count()).select_from(Contact)).one()
    has_sales = session.exec(select(func.count()).select_from(Sale)).one()
    if has_contacts or has_sales:
        raise DemoError(
            "This shop file already has customers or sales; the demo is written only into "
            "an empty file (use a new file, e.g. crmtui --db demo.sqlite3 demo)."
        )


def _contact_row(
    rng: random.Random,
    person: _Person,
    *,
    contact_id: int,
    referral_code: str,
    created_ts: int,
    last_sale_ts: int,
    balance: int,
    now: datetime,
    phones_taken: set[str],
    emails_taken: set[str],
) -> dict[str, Any]:
    now_ts = int(now.timestamp())
    phone_raw = phone_e164 = None
    if rng.random() < 0.92:
        region = person.culture.home_region if person.home_phone else "GB"
        phone_raw, phone_e164 = _new_phone(rng, region, phones_taken)
    birthday_year, birthday_month, birthday_day = _birthday(rng, person, now)
    email = _email(rng, person, birthday_year, emails_taken) if rng.random() < 0.65 else None
    if phone_e164 is None and email is None and rng.random() < 0.5:
        email = _email(rng, person, birthday_year, emails_taken)

    consent, consent_ts, consent_source = False, None, None
    roll = rng.random()
    if roll < 0.45:
        consent = True
        if rng.random() < 0.7:
            consent_ts, consent_source = created_ts, "counter"
        else:
            consent_ts = rng.randint(created_ts, now_ts)
            consent_source = rng.choice(_CONSENT_LATER_SOURCES)
    elif roll < 0.48:  # gave consent once, then withdrew it
        consent_ts = rng.randint(created_ts, now_ts)
        consent_source = "withdrawn via edit"

    archived_ts = None
    if person.habit == "lapsed" and last_sale_ts and rng.random() < 0.04:
        archived_ts = min(now_ts - DAY, last_sale_ts + rng.randint(30, 90) * DAY)
        archived_ts = max(archived_ts, last_sale_ts + 60)
    updated_ts = max(created_ts, consent_ts or 0, archived_ts or 0)
    notes = rng.choice(_NOTES) if rng.random() < 0.05 else ""

    return {
        "id": contact_id,
        "full_name": person.full_name,
        "greeting_name": person.greeting_name,
        "phone_raw": phone_raw,
        "phone_e164": phone_e164,
        "email": email,
        "birthday_year": birthday_year,
        "birthday_month": birthday_month,
        "birthday_day": birthday_day,
        "notes": notes,
        "marketing_consent": consent,
        "consent_at": _utc(consent_ts) if consent_ts is not None else None,
        "consent_source": consent_source,
        "referral_code": referral_code,
        "sort_name": fold(person.full_name),
        "search_text": build_search_text(
            full_name=person.full_name,
            greeting_name=person.greeting_name,
            phone_e164=phone_e164,
            phone_raw=phone_raw,
            email=email,
        ),
        "points_balance": balance,
        "last_sale_at": _utc(last_sale_ts) if last_sale_ts else None,
        "created_at": _utc(created_ts),
        "updated_at": _utc(updated_ts),
        "archived_at": _utc(archived_ts) if archived_ts is not None else None,
    }
