"""Reference data of the appeals, seeded on every `migrate` (services.reference) and then
editable in the admin: the service list, the default deadline rule, and the words that make
an appeal confidential whatever its category.

Only missing rows are added: an administrator's edits are never overwritten.
"""

from ishenim.core.enums import Sensitivity

# code, sensitivity, position, (en, ru, ky), answer template (en, ru, ky)
CATEGORIES = [
    (
        "public-order",
        Sensitivity.RESTRICTED,
        10,
        ("Public order", "Общественный порядок", "Коомдук тартип"),
    ),
    (
        "domestic-conflict",
        # Family violence: the victim's safety depends on who reads it (Law No. 63 of 2017).
        Sensitivity.CONFIDENTIAL,
        20,
        (
            "Domestic conflict or family violence",
            "Семейный конфликт или семейное насилие",
            "Үй-бүлөлүк чыр-чатак же зомбулук",
        ),
    ),
    (
        "border-crossing",
        Sensitivity.RESTRICTED,
        30,
        ("Border crossing", "Пересечение границы", "Чек араны кесип өтүү"),
    ),
    (
        "police-conduct",
        # Complaints against the police: the complainant must not be exposed to the officers
        # complained of.
        Sensitivity.CONFIDENTIAL,
        40,
        ("Police conduct", "Действия сотрудников милиции", "Милиция кызматкерлеринин иш-аракети"),
    ),
    ("youth", Sensitivity.RESTRICTED, 50, ("Youth", "Молодёжь", "Жаштар")),
    (
        "drugs-alcohol",
        Sensitivity.RESTRICTED,
        60,
        ("Drugs and alcohol", "Наркотики и алкоголь", "Баңгизат жана спирт ичимдиктери"),
    ),
    (
        "road-safety",
        Sensitivity.RESTRICTED,
        70,
        ("Road safety", "Безопасность дорожного движения", "Жол коопсуздугу"),
    ),
    (
        "stray-animals",
        # Internal: the local government's veterinary service answers these, and its
        # officials are cleared for internal records, not residents' personal data (the
        # reporter's contact stays restricted all the same, in its own row).
        Sensitivity.INTERNAL,
        80,
        ("Stray animals", "Бездомные животные", "Ээсиз жаныбарлар"),
    ),
    (
        "land-water-dispute",
        Sensitivity.RESTRICTED,
        90,
        ("Land or water dispute", "Спор о земле или воде", "Жер же суу талашы"),
    ),
    ("other", Sensitivity.RESTRICTED, 1000, ("Other", "Другое", "Башка")),
]

# A reply to start from, per category (the officer edits it before sending).
ANSWER_TEMPLATES = {
    "stray-animals": (
        "Your appeal was passed to the local government's veterinary service, which will catch"
        " and vaccinate the animals in the place you named within ten working days.",
        "Ваше обращение передано ветеринарной службе органа местного самоуправления, которая"
        " в течение десяти рабочих дней отловит и вакцинирует животных в указанном месте.",
        "Кайрылууңуз жергиликтүү өз алдынча башкаруу органынын ветеринардык кызматына"
        " берилди, ал он жумуш күндүн ичинде көрсөтүлгөн жердеги жаныбарларды кармап, эмдейт.",
    ),
    "road-safety": (
        "The road police inspected the place you named on [date]. Measures taken: [measures].",
        "Сотрудники патрульной милиции проверили указанное место [дата]. Приняты меры: [меры].",
        "Патрулдук милициянын кызматкерлери көрсөтүлгөн жерди [күнү] текшеришти. Көрүлгөн"
        " чаралар: [чаралар].",
    ),
    "public-order": (
        "Your district police officer checked the facts you reported on [date]. [What was"
        " found and what was done.] If it happens again, call 102.",
        "Участковый инспектор проверил изложенные вами факты [дата]. [Что установлено и какие"
        " меры приняты.] При повторении звоните 102.",
        "Участкалык инспектор сиз билдирген фактыларды [күнү] текшерди. [Эмне аныкталды жана"
        " кандай чаралар көрүлдү.] Кайталанса, 102ге чалыңыз.",
    ),
}

# The law's limits, as the default rule for every type of organisation (Law No. 67 of
# 4 May 2007, "On the procedure for examining citizens' appeals"; ../shared/data/kg/
# PROVENANCE.md): register within 1 working day, answer within 14 working days. The
# extension to 30 days in all is commonly cited but unverified, hence a setting.
DEFAULT_DEADLINE_RULE = {
    "register_working_days": 1,
    "answer_working_days": 14,
    "extension_limit_working_days": 30,
    "warn_at_percent": 80,
    "reopen_days": 30,
    "legal_basis": "Law of the Kyrgyz Republic No. 67 of 4 May 2007, art. 8",
}

# Words that make an appeal confidential whatever category the resident chose: a family
# violence report filed under "public order" must not reach the front desk's eyes. Matched
# case-folded as parts of words (stems), so "избил" also finds "избила".
CONFIDENTIAL_STEMS = (
    # Russian
    "семейн",
    "насил",
    "избива",
    "избил",
    "бьёт жену",
    "бьет жену",
    "бьёт мужа",
    "бьет мужа",
    "изнасил",
    "домогат",
    "ранний брак",
    "похищение невест",
    "ала качуу",
    # Kyrgyz
    "зомбулук",
    "зордук",
    "үй-бүлөлүк",
    "уруп-сабап",
    "аялын урат",
    "кыз ала качуу",
    # English
    "domestic violence",
    "family violence",
    "beats his wife",
    "beats her",
    "rape",
    "sexual",
    "bride kidnapping",
)

# Possible duplicates (services.duplicates): within this distance, in the same category,
# received within this many days of each other, with texts at least this similar.
DUPLICATE_DISTANCE_METRES = 200
DUPLICATE_DAYS = 7
DUPLICATE_MIN_SIMILARITY = 60

# Bad input (services.submission).
TEXT_MAX_CHARACTERS = 10_000
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENTS_MAX = 5
