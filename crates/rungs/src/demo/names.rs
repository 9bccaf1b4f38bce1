//! Word lists for the demo organization: names, places and the texts of wins.

pub const FIRST: &[&str] = &[
    "Ada", "Ben", "Chloe", "Dmitri", "Elena", "Farah", "Gabriel", "Hana", "Ibrahim", "Julia", "Kenji", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quentin",
    "Rosa", "Samuel", "Tara", "Umar", "Vera", "Wei", "Ximena", "Yusuf", "Zoe", "Amara", "Bruno", "Carmen", "Diego", "Esther", "Felix", "Grace", "Hugo", "Ines",
    "Jonas", "Keira", "Luca", "Maya", "Noah", "Olga", "Pablo", "Rahul", "Sofia", "Tomas", "Ursula", "Viktor", "Wanda", "Yara", "Zane", "Aiko", "Bilal", "Cora",
    "Dara", "Emeka", "Freya",
];

pub const LAST: &[&str] = &[
    "Okafor",
    "Schmidt",
    "Nakamura",
    "Garcia",
    "Kowalski",
    "Haddad",
    "Johansson",
    "Singh",
    "Moreau",
    "Rossi",
    "Kim",
    "Novak",
    "Fernandes",
    "Ivanova",
    "Mensah",
    "Oliveira",
    "Larsen",
    "Dubois",
    "Chen",
    "Petrov",
    "Yilmaz",
    "Walsh",
    "Suzuki",
    "Alvarez",
    "Nguyen",
    "Bauer",
    "Costa",
    "Eriksen",
    "Farouk",
    "Gonzalez",
    "Hoffmann",
    "Iqbal",
    "Jensen",
    "Khan",
    "Lopez",
    "Murphy",
    "Nieminen",
    "Osei",
    "Park",
    "Quinn",
    "Reyes",
    "Sato",
    "Thompson",
    "Umarov",
    "Varga",
    "Weber",
    "Xu",
    "Young",
    "Zielinski",
];

pub const LOCATIONS: &[&str] = &["Berlin", "Lisbon", "Toronto", "Austin", "Remote (EU)", "Remote (Americas)", "Singapore"];

pub const TECH: &[&str] =
    &["Rust async", "PostgreSQL tuning", "Kubernetes", "Terraform", "GraphQL", "React testing", "Kafka", "observability with OpenTelemetry"];
pub const CERTS: &[&str] = &["AWS Solutions Architect", "CKA", "Google Cloud Professional", "Scrum Master", "MEDDICC", "Salesforce Admin", "SHRM-CP"];
pub const PROJECTS: &[&str] = &[
    "the billing migration",
    "search v2",
    "the onboarding revamp",
    "the EU data residency project",
    "mobile checkout",
    "the partner API",
    "the Q3 pipeline push",
    "the payroll integration",
];
pub const TASKS: &[&str] =
    &["the release train", "incident command", "quarterly forecasting", "the customer renewal call", "the access review", "on-call handover"];
pub const COURSES: &[&str] =
    &["Designing Data-Intensive Applications study group", "Negotiation fundamentals", "Leading without authority", "Security basics", "Writing for engineers"];
pub const AREAS: &[&str] =
    &["the deploy pipeline", "the weekly metrics review", "the hiring loop for juniors", "the vendor relationship", "the team's runbooks"];
pub const SCOPES: &[&str] =
    &["project lead", "team coordinator", "on-call lead", "onboarding buddy lead", "release captain", "key-account owner", "process owner"];
pub const THANKS: &[&str] = &[
    "Thanks for jumping on the incident at 2am!",
    "Your review saved us a week of rework.",
    "Great demo to the customer today.",
    "Thank you for unblocking the release.",
    "Lovely write-up, the whole team learned from it.",
    "Closed the hardest deal of the quarter - amazing.",
];
