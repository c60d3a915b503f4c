"""A second, held-out set of what generated members write, for the same topics and in the
same shape as `phrases` (see there). It was written without looking at the vocabulary's
synonyms, so the matching quality measured with it is not tuned to its wording:
`community_generate(..., phrases="holdout")`, `benchmarks/matching_quality.py --phrases
holdout`. Never extend the vocabulary from this set's misses: it would stop being held out.

Some mentees mention a second, non-topic concern ("... and my work-life balance") and
some frames or fillers are long, as real profiles are.
"""

from __future__ import annotations

from tests.mentoring.phrases import NEUTRAL_TAGS, RELATED

__all__ = ["NEUTRAL_TAGS", "RELATED"]

WANT_EN: dict[str, list[str]] = {
    "Public speaking": [
        "keeping my voice steady when I present", "the quarterly all-hands update I have to give",
        "sounding less nervous on stage", "delivering the keynote at our annual meeting",
        "explaining my work to senior leadership without rambling",
        "my shaking hands whenever I have to address a group", "talks and panels",
        "webinars where hundreds of people are watching", "speaking at meetups"],
    "Negotiation": [
        "closing deals with tough procurement teams",
        "reaching agreements with partners who always push back", "haggling over vendor terms",
        "getting a better deal when we renew our software licences",
        "standing firm when a client asks for discounts", "negotiating a partnership agreement",
        "persuading the other party without burning the relationship"],
    "Salary negotiation": [
        "asking my boss for more money", "figuring out whether I'm underpaid",
        "the counteroffer my current employer just made", "pushing back on a lowball offer",
        "my pay review coming up in March", "talking about equity and bonus with a recruiter",
        "getting paid what the market pays for my role"],
    "Team management": [
        "leading my five direct reports", "giving honest feedback to someone on my team",
        "handling a conflict between two people I supervise",
        "my first months as a supervisor", "keeping my team motivated through a reorg",
        "performance reviews for the people who report to me",
        "being a boss people actually want to work for"],
    "Engineering leadership": [
        "running an engineering org of thirty people",
        "setting technical direction for several squads",
        "going from senior IC to principal", "architecture decisions the whole team buys into",
        "being the CTO of a small company", "managing managers in a software department",
        "leading a dev team through a big rewrite"],
    "Software engineering": [
        "writing tests that actually catch bugs", "refactoring a legacy codebase",
        "designing maintainable systems", "debugging faster", "my first job as a junior dev",
        "clean architecture and design patterns",
        "passing technical interviews at bigger companies"],
    "Data science": [
        "making sense of our sales numbers", "SQL and dashboards for my team",
        "becoming a data analyst", "regression and hypothesis testing",
        "turning survey results into insights", "charts my manager actually understands",
        "Jupyter notebooks and exploratory analysis"],
    "Cybersecurity": [
        "protecting our company from phishing", "ethical hacking", "preparing for the CISSP",
        "incident response when we get breached", "hardening our servers against attacks",
        "a career in security operations", "vulnerability management"],
    "Product management": [
        "writing user stories and specs", "saying no to stakeholders", "my first PM job",
        "deciding what to build next", "defining product metrics and OKRs",
        "talking to customers before we build anything", "owning a product end to end"],
    "UX design": [
        "improving the user experience of our checkout", "prototyping in Figma",
        "interviewing users", "putting together a design portfolio",
        "making our app easier to use", "information architecture",
        "becoming a UI/UX designer"],
    "Cloud infrastructure": [
        "Google Cloud", "setting up CI/CD pipelines", "on-call and keeping our services up",
        "cutting our Azure bill", "serverless architectures", "getting my AWS certification",
        "monitoring and observability"],
    "Entrepreneurship": [
        "turning my side project into a company", "pitching to investors",
        "going freelance and finding my first clients", "bootstrapping a small business",
        "running my own consultancy", "writing a business plan", "raising a seed round"],
    "Python": ["Flask APIs", "automating reports with Python", "FastAPI",
               "writing more idiomatic Python", "NumPy"],
    "JavaScript": ["Vue.js", "Node.js backends", "Angular", "modern JS", "Next.js"],
    "Machine learning": [
        "training my own models", "computer vision", "natural language processing",
        "fine-tuning language models", "ChatGPT and generative AI",
        "recommendation systems", "MLOps"],
    "Career change": [
        "leaving accounting for something new", "starting over in a new field at 40",
        "getting my first tech job after a bootcamp",
        "figuring out what to do next with my career",
        "returning to work after a long break", "retraining after being laid off"],
    "Kubernetes": ["K8s", "deploying microservices", "writing Helm charts",
                   "EKS and GKE clusters", "OpenShift", "containerizing our apps"],
    "Accessibility": [
        "a11y", "making our website usable for blind people",
        "keyboard navigation and colour contrast", "ADA compliance", "captions and alt text",
        "designing for people with disabilities"],
}

WANT_FR_NOUN: dict[str, list[str]] = {
    "Public speaking": ["mes interventions en public", "l'art oratoire",
                        "mes exposés devant les clients", "ma peur de parler devant un groupe"],
    "Negotiation": ["mes négociations commerciales", "les discussions avec nos partenaires",
                    "l'art de conclure un accord"],
    "Salary negotiation": ["ma demande d'augmentation", "mes prétentions salariales",
                           "le salaire de mon prochain poste"],
    "Team management": ["le management de mon équipe", "mon rôle de nouvelle cheffe d'équipe",
                        "les entretiens annuels avec mes collaborateurs",
                        "la gestion des conflits dans mon équipe"],
    "Engineering leadership": ["mon rôle de responsable technique",
                               "le pilotage d'une équipe de développeurs",
                               "mon poste de directrice de l'ingénierie"],
    "Software engineering": ["la qualité de mon code", "l'architecture logicielle",
                             "les tests automatisés"],
    "Data science": ["la science des données", "mes tableaux de bord",
                     "l'exploitation de nos données clients"],
    "Cybersecurity": ["la protection de nos systèmes", "la sécurité de nos applications web",
                      "le piratage éthique"],
    "Product management": ["le métier de product manager", "les priorités de notre produit",
                           "la définition de notre produit"],
    "UX design": ["le design d'interface", "la conception centrée utilisateur",
                  "nos tests avec les utilisateurs"],
    "Cloud infrastructure": ["le cloud AWS", "nos déploiements dans le cloud",
                             "l'hébergement de nos services"],
    "Entrepreneurship": ["mon projet de start-up", "la levée de fonds",
                         "mon activité d'indépendante"],
    "Python": ["le langage Python", "mes scripts Python"],
    "JavaScript": ["le JavaScript", "React"],
    "Machine learning": ["l'apprentissage profond", "les modèles de langage",
                         "l'IA générative"],
    "Career change": ["mon changement de métier", "ma transition vers un nouveau domaine",
                      "mon retour à l'emploi"],
    "Kubernetes": ["l'orchestration de conteneurs", "Docker"],
    "Accessibility": ["l'accessibilité de nos sites web",
                      "l'accessibilité pour les personnes handicapées"],
}

WANT_FR_VERB: dict[str, list[str]] = {
    "Public speaking": ["m'exprimer devant un auditoire", "captiver mon public",
                        "animer un atelier sans stresser", "faire une bonne présentation"],
    "Negotiation": ["conclure de meilleurs accords", "défendre mes intérêts face aux clients",
                    "mener une négociation commerciale"],
    "Salary negotiation": ["demander une augmentation", "évaluer une offre de rémunération",
                           "discuter de mon salaire avec un recruteur"],
    "Team management": ["manager mes collaborateurs", "motiver mon équipe",
                        "donner du feedback à mon équipe"],
    "Engineering leadership": ["piloter une équipe technique", "devenir CTO",
                               "encadrer des développeurs"],
    "Software engineering": ["écrire du code propre", "concevoir des logiciels robustes",
                             "coder"],
    "Data science": ["exploiter nos données", "faire parler les chiffres",
                     "devenir analyste de données"],
    "Cybersecurity": ["protéger nos serveurs", "repérer les failles de sécurité"],
    "Product management": ["gérer un produit numérique", "prioriser notre carnet de produit"],
    "UX design": ["améliorer l'expérience de nos utilisateurs",
                  "faire des entretiens utilisateurs", "créer des prototypes"],
    "Cloud infrastructure": ["déployer nos applications sur AWS",
                             "automatiser notre infrastructure"],
    "Entrepreneurship": ["créer ma propre société", "me lancer à mon compte", "lever des fonds"],
    "Python": ["coder en Python", "automatiser mes tâches avec Python"],
    "JavaScript": ["créer des sites web interactifs", "coder en JavaScript"],
    "Machine learning": ["entraîner des modèles", "me servir de l'IA au travail"],
    "Career change": ["changer de métier", "me réorienter vers le numérique"],
    "Kubernetes": ["utiliser Kubernetes", "faire tourner Docker en production"],
    "Accessibility": ["rendre nos applications utilisables par tous",
                      "respecter les normes d'accessibilité"],
}

OFFER_EN: dict[str, list[str]] = {
    "Public speaking": ["rehearsing talks with you before the big day", "storytelling on stage",
                        "TEDx-style talks", "media training and panel appearances",
                        "calming presentation nerves"],
    "Negotiation": ["deal-making", "closing enterprise contracts",
                    "procurement and vendor talks", "win-win agreements with partners"],
    "Salary negotiation": ["pay rises and counteroffers", "knowing your market rate",
                           "equity and bonus questions", "offer negotiation"],
    "Team management": ["leading small teams", "feedback and performance reviews",
                        "first-time supervisors", "building a healthy team culture"],
    "Engineering leadership": ["growing from senior engineer to principal",
                               "running engineering departments", "CTO advice",
                               "architecture and technical direction"],
    "Software engineering": ["clean code and refactoring", "testing and debugging",
                             "backend development", "system design interviews"],
    "Data science": ["SQL, dashboards and reporting", "turning numbers into decisions",
                     "analytics careers", "experiment design"],
    "Cybersecurity": ["ethical hacking", "incident response",
                      "security certifications (CISSP, OSCP)", "appsec"],
    "Product management": ["product thinking and metrics",
                           "working with stakeholders as a PM", "breaking into product roles"],
    "UX design": ["Figma and prototyping", "user interviews and design critiques",
                  "UI design"],
    "Cloud infrastructure": ["GCP and serverless", "CI/CD and monitoring",
                             "cloud cost optimisation"],
    "Entrepreneurship": ["bootstrapping", "pitch decks and investor meetings",
                         "going freelance"],
    "Python": ["FastAPI and Flask", "writing idiomatic Python"],
    "JavaScript": ["Node.js and Vue", "modern web apps in JS"],
    "Machine learning": ["NLP and computer vision", "putting models into production",
                         "generative AI"],
    "Career change": ["reinventing your career", "landing your first job in a new field"],
    "Kubernetes": ["K8s clusters in production", "Helm charts and GitOps"],
    "Accessibility": ["a11y reviews", "designing for screen reader users"],
}

OFFER_FR: dict[str, list[str]] = {
    "Public speaking": ["l'art oratoire", "la préparation de vos interventions en public"],
    "Negotiation": ["les négociations commerciales",
                    "la conclusion d'accords avec des partenaires"],
    "Salary negotiation": ["les demandes d'augmentation", "les prétentions salariales"],
    "Team management": ["le management d'équipe", "les entretiens annuels et le feedback"],
    "Engineering leadership": ["le rôle de CTO", "le pilotage d'équipes techniques"],
    "Software engineering": ["le code propre et les tests", "l'architecture logicielle"],
    "Data science": ["la science des données", "les tableaux de bord"],
    "Cybersecurity": ["la protection des systèmes", "le piratage éthique"],
    "Product management": ["le métier de chef de produit",
                           "la priorisation du carnet de produit"],
    "UX design": ["la conception centrée utilisateur", "le prototypage d'interfaces"],
    "Cloud infrastructure": ["le cloud AWS et Azure", "l'automatisation de l'infrastructure"],
    "Entrepreneurship": ["le lancement d'une start-up", "la levée de fonds"],
    "Python": ["le langage Python"],
    "JavaScript": ["JavaScript et React"],
    "Machine learning": ["l'apprentissage profond", "l'IA générative"],
    "Career change": ["les changements de métier"],
    "Kubernetes": ["l'orchestration de conteneurs"],
    "Accessibility": ["l'accessibilité des sites web"],
}

TITLES: dict[str, list[str]] = {
    "Public speaking": ["Toastmasters champion", "Speechwriter", "TV presenter turned trainer"],
    "Negotiation": ["Chief commercial officer", "Purchasing manager", "Mediator"],
    "Salary negotiation": ["Recruiter", "HR business partner", "Total rewards lead"],
    "Team management": ["Retail store manager", "Head of people operations",
                        "Call centre supervisor"],
    "Engineering leadership": ["CTO", "Director of engineering", "Principal engineer"],
    "Software engineering": ["Backend developer", "Full-stack engineer", "Software architect"],
    "Data science": ["Senior data analyst", "Statistician", "BI lead"],
    "Cybersecurity": ["Penetration tester", "SOC analyst", "Head of information security"],
    "Product management": ["Group product manager", "Chief product officer", "Product owner"],
    "UX design": ["Product designer", "UX researcher", "Interaction designer"],
    "Cloud infrastructure": ["DevOps engineer", "Infrastructure lead",
                             "AWS solutions architect"],
    "Entrepreneurship": ["Serial entrepreneur", "Angel investor", "Small business owner"],
    "Python": ["Backend Python developer", "Django core contributor"],
    "JavaScript": ["React developer", "Web developer"],
    "Machine learning": ["AI researcher", "Computer vision engineer", "NLP engineer"],
    "Career change": ["Career transition coach", "Changed careers twice"],
    "Kubernetes": ["Kubernetes administrator", "Cloud-native engineer"],
    "Accessibility": ["Digital accessibility consultant", "Inclusive design lead"],
}

WANT_FRAMES_EN = [
    "What I need most right now is {x}.", "Would love a mentor for {x}.",
    "My manager suggested I work on {x}.", "Trying to level up in {x}.",
    "{X} is my main goal for the next six months.", "Can anyone help me with {x}?",
    "I keep getting stuck on {x}.", "Focus area: {x}.", "Honestly? {X}.",
    "I'd appreciate advice on {x}.", "Big goal this year is {x}, wish me luck.",
    "Need someone who has been through {x} before.",
]
WANT_FRAMES_FR_NOUN = [
    "Je souhaite avancer sur {x}.", "Je cherche quelqu'un pour m'accompagner sur {x}.",
    "Priorité pour moi : {x}.", "Un coup de main sur {x} serait le bienvenu.",
    "J'ai besoin de conseils concernant {x}.",
]
WANT_FRAMES_FR_VERB = [
    "J'ai envie d'apprendre à {x}.", "Je cherche quelqu'un qui m'aide à {x}.",
    "Mon but : arriver à {x}.", "Je n'arrive pas encore à {x}, et ça me freine.",
    "Je voudrais enfin {x} cette année.",
]
OFFER_FRAMES_EN = [
    "Glad to help with {x}.", "Mentoring on {x}.",
    "I've coached dozens of people through {x}.", "My thing: {x}.", "Reach out about {x}.",
    "{X}: ask away.",
]
OFFER_FRAMES_FR = [
    "Je vous accompagne sur {x}.", "Ravie d'échanger sur {x}.", "Mon domaine : {x}.",
]
# Some are a second, non-topic concern: the mentee mentions two things.
FILLER_EN = [
    "Based in {city}, working in {industry}.", "Fairly new to {city}.", "I'm in {industry}.",
    "Weekends are easier for me.", "Happy to meet in person if you're nearby.",
    "I'm an introvert, so bear with me.", "Currently on parental leave.",
    "Thanks in advance!", "I also want to get better at balancing work and family.",
    "Work-life balance is something I struggle with too.", "",
]
FILLER_FR = [
    "J'habite à {city}.", "Je bosse dans le secteur {industry}.",
    "Plutôt disponible le week-end.", "Merci d'avance !",
    "J'aimerais aussi mieux concilier travail et vie de famille.",
    "Je suis en congé parental en ce moment.", "",
]
MEMBER_TITLES = [
    "Paralegal", "Receptionist", "Logistics coordinator", "Bank teller", "Physiotherapist",
    "Event planner", "Barista", "Research assistant", "Social worker", "Dental hygienist",
    "Administrative assistant", "Store associate", "Electrician", "",
]
