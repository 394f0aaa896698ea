"""Who comes to the café: cultures with their names, scripts, e-mail domains and phones.

Names are kept in their own script and order (Polish letters, Han, Armenian, Greek, Spanish
double family names) so search, sorting and folding meet them as they meet real customers.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Culture:
    """Where a customer's names, e-mail domain and (sometimes) phone number come from."""

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
) -> Culture:
    """Lists are written as "a, b, c"; a family name "Kowalski/Kowalska" has two forms."""

    def items(text: str) -> tuple[str, ...]:
        return tuple(item.strip() for item in text.split(",") if item.strip())

    forms = tuple((name.split("/")[0], name.split("/")[-1]) for name in items(family))
    pairs = tuple((pair.split("=")[0], pair.split("=")[1]) for pair in items(nicknames))
    return Culture(
        key=key,
        weight=weight,
        female=items(female),
        male=items(male),
        family=forms,
        domains=items(domains),
        nicknames=pairs,
        **options,
    )


CULTURES: tuple[Culture, ...] = (
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
CULTURE_BY_KEY = {culture.key: culture for culture in CULTURES}
CULTURE_CUM = list(itertools.accumulate(culture.weight for culture in CULTURES))

# English names people at the counter use for friends with Chinese names.
CHINESE_GREETINGS = ("Kevin", "Jenny", "Vicky", "Tony", "Grace", "Eric", "Lily", "Jason", "Amy")


@dataclass(frozen=True)
class Showcase:
    """Someone every demo has, so the first searches a newcomer tries find a person."""

    full_name: str
    culture: str
    female: bool
    greeting: str | None = None
    home_phone: bool = False


SHOWCASE: tuple[Showcase, ...] = (
    Showcase("Łukasz Wiśniewski", "polish", female=False),
    Showcase("王伟", "chinese", female=False, greeting="Wei", home_phone=True),
    Showcase("Արամ Պետրոսյան", "armenian", female=False, home_phone=True),
    Showcase("Anna Kowalska", "polish", female=True, greeting="Ania"),
    Showcase("Anna Kelly", "english", female=True),
    Showcase("José María Fernández Núñez", "spanish", female=False, home_phone=True),
    Showcase("Anna Krawczyk", "polish", female=True, home_phone=True),
    Showcase("Oliver Smith", "english", female=False),
    Showcase("Małgorzata Żak", "polish", female=True, greeting="Gosia"),
    Showcase("Աննա Կարապետյան", "armenian", female=True),
    Showcase("李娜", "chinese", female=True, greeting="Lina"),
    Showcase("Lucía Gómez Ibáñez", "spanish", female=True),
)


def pick_name(rng: random.Random, culture: Culture, female: bool) -> tuple[str, str]:
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
