"""Word pools for the data generator.

Names come from many scripts on purpose: the import path must survive accents, Cyrillic,
Greek, CJK, Arabic and Devanagari, right-to-left text and NFD-decomposed strings.
"""

from __future__ import annotations

# (first names, last names, email-safe stem or None when the script has no ASCII form)
NAME_POOLS: tuple[tuple[tuple[str, ...], tuple[str, ...], str | None], ...] = (
    (("James", "Mary", "Robert", "Linda", "Michael"), ("Smith", "Johnson", "Brown", "Davis"), None),
    (
        ("José", "María", "Chloé", "Zoë", "Émile"),
        ("García", "Müller", "Núñez", "Søren", "Ørsted"),
        None,
    ),
    (("François", "Ångström", "Łukasz", "Ştefan"), ("Dvořák", "Šťastný", "Çelik", "Ñúñez"), None),
    (("Иван", "Ольга", "Дмитрий", "Наталья"), ("Иванов", "Петрова", "Смирнов", "Кузнецова"), "ru"),
    (("Γιώργος", "Μαρία", "Νίκος", "Ελένη"), ("Παπαδόπουλος", "Νικολάου", "Γεωργίου"), "gr"),
    (("太郎", "花子", "伟", "秀英", "민준"), ("山田", "佐藤", "王", "李", "김"), "cjk"),
    (("محمد", "فاطمة", "أحمد", "ليلى"), ("العلي", "حسن", "الخطيب", "منصور"), "ar"),
    (("आरव", "प्रिया", "विवेक", "अनन्या"), ("शर्मा", "वर्मा", "पटेल", "गुप्ता"), "hi"),
)

CITIES: tuple[tuple[str, str | None, str], ...] = (
    ("London", None, "United Kingdom"),
    ("San Francisco", "CA", "United States"),
    ("New York", "NY", "United States"),
    ("München", "Bayern", "Germany"),
    ("São Paulo", "SP", "Brazil"),
    ("Москва", None, "Russia"),
    ("東京", None, "Japan"),
    ("القاهرة", None, "Egypt"),
    ("मुंबई", "Maharashtra", "India"),
    ("Αθήνα", None, "Greece"),
    ("Zürich", "ZH", "Switzerland"),
    ("Kraków", None, "Poland"),
)

TITLES = (
    "Software Engineer",
    "Senior Software Engineer",
    "VP Engineering",
    "Chief Financial Officer",
    "Head of Talent",
    "Product Manager",
    "Directeur Général",
    "Data Scientist",
    "Board Member",
    "Chief Executive Officer",
)
SCHOOLS = ("MIT", "ETH Zürich", "Université de Montréal", "東京大学", "МГУ", "IIT Bombay", "LSE")
DEGREES = ("BSc", "MSc", "MBA", "PhD", "BA", None)
FIELDS = ("Computer Science", "Economics", "Physics", "Finance", None)
SKILLS = (
    "Python",
    "Go",
    "Leadership",
    "M&A",
    "Fundraising",
    "Kubernetes",
    "SQL",
    "Sales",
    "日本語",
)
SOURCES = ("LinkedIn", "Referral", "Findem", "Inbound", "Conference", None)
INDUSTRIES = ("Software", "Fintech", "Healthcare", "Energy", "Retail", "Biotech")
COMPANY_WORDS = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne")
COMPANY_SUFFIXES = ("Inc.", "GmbH", "Ltd", "SA", "株式会社", "ООО", "Labs", "AG")
ROUNDS = ("Seed", "Series A", "Series B", "Series C", "Growth")
CURRENCIES = ("USD", "EUR", "GBP", "JPY")
INVESTORS = ("Sequoia", "Accel", "Index Ventures", "a16z", "Balderton")
STAGES = (
    "Identified",
    "Contacted",
    "Qualified",
    "Submitted",
    "Client Interview",
    "Offer",
    "Placed",
    "On Hold",
)
REJECTION_REASONS = (
    "Not interested",
    "Compensation",
    "Location",
    "Not qualified",
    "Client rejected",
    "Withdrew",
)
SEARCH_STATUSES = ("open", "on_hold", "cancelled", "closed", "placed")
USER_ROLES = ("admin", "recruiter", "researcher", "coordinator")
TEAM_ROLES = ("lead", "member", "partner", "associate")
CHANNELS = ("email", "phone", "linkedin", "meeting")
CONNECTION_TYPES = (
    "personal",
    "professional",
    "relationship_manager",
    "peer",
    "referred_by",
    "currently_reports_to",
    "previously_reports_to",
    "currently_manages",
    "previously_manages",
)
STRENGTHS = ("low", "medium", "high")
OFF_LIMIT_REASONS = ("Client employee", "Placed candidate", "Board conflict", "Do not contact")
NOTE_BODIES = (
    "<p>Great call, strong on <b>leadership</b>.</p>",
    "<p>Prefers remote</p><script>alert('xss')</script>",
    '<div onclick="steal()">Follow up in Q3</div>',
    "Plain text note with ünïcödé and emoji 🚀",
    "<ul><li>Relocation: yes</li><li>Notice: 3 months</li></ul>",
    '<a href="javascript:alert(1)">profile</a> <img src=x onerror=alert(2)>',
)
DOC_TYPES = (("cv.pdf", "application/pdf"), ("resume.docx", "application/msword"))
TAGS = ("priority", "diverse-slate", "passive", "warm", "findem", "board-ready")
