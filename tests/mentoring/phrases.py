"""What generated members write, topic by topic, as a real member would: not the synonym
lists of the vocabulary, but sentences with inflections, filler and surrounding words.

`WANT_EN` / `OFFER_EN`: noun or gerund phrases that fit "help with ...", "better at ...".
`WANT_FR_NOUN` fits « progresser sur ... »; `WANT_FR_VERB` fits « apprendre à ... ».
`TITLES`: headlines of mentors whose main topic it is.
"""

from __future__ import annotations

WANT_EN: dict[str, list[str]] = {
    "Public speaking": [
        "presenting to executives", "speaking up in big meetings without freezing",
        "giving my first conference talk", "presentations that don't put people to sleep",
        "my stage fright before demos", "public speaking", "talking in front of a crowd",
        "pitching my ideas to a room full of directors", "being a more confident presenter"],
    "Negotiation": [
        "negotiating with suppliers", "bargaining when the other side has all the power",
        "negotiating contracts", "holding my ground in tough negotiations",
        "asking for a promotion", "negotiation", "being a better negotiator with clients"],
    "Salary negotiation": [
        "negotiating my next job offer", "getting the pay raise I deserve",
        "knowing what salary to ask for", "my compensation conversation next month",
        "negotiating pay when I switch companies", "salary negotiation",
        "comparing two job offers and negotiating the better one"],
    "Team management": [
        "managing a team for the first time", "running useful one-on-ones",
        "delegating instead of doing everything myself", "people management",
        "managing people who used to be my peers", "hiring my first two reports",
        "being a good new manager"],
    "Engineering leadership": [
        "growing into a tech lead role", "leading engineers without formal authority",
        "the path to staff engineer", "technical leadership",
        "becoming an engineering manager", "leading a team of engineers"],
    "Software engineering": [
        "writing cleaner code", "getting better at code reviews",
        "programming beyond tutorials", "software development practices",
        "becoming a stronger developer", "coding interviews"],
    "Data science": [
        "analysing data properly", "statistics for my A/B tests", "data visualization",
        "moving into data analytics", "data science", "telling stories with data analysis"],
    "Cybersecurity": [
        "application security", "threat modeling for our apps", "getting into infosec",
        "penetration testing", "security reviews of my team's code", "cybersecurity"],
    "Product management": [
        "moving into product management", "building a roadmap people believe in",
        "prioritizing features when everything is urgent", "product discovery",
        "becoming a product manager"],
    "UX design": [
        "user research", "designing interfaces people understand", "usability testing",
        "UX design", "wireframes that developers can actually build"],
    "Cloud infrastructure": [
        "AWS", "infrastructure as code with Terraform", "moving our servers to the cloud",
        "DevOps practices", "site reliability"],
    "Entrepreneurship": [
        "starting my own business", "founding a startup", "fundraising for my company",
        "entrepreneurship", "becoming a founder"],
    "Python": ["Python", "Django", "pandas for cleaning messy spreadsheets",
               "Python scripting for work"],
    "JavaScript": ["React", "TypeScript", "front-end development", "JavaScript"],
    "Machine learning": [
        "machine learning", "deep learning", "building things with LLMs",
        "artificial intelligence for my team's products", "neural networks"],
    "Career change": [
        "changing careers into tech", "switching careers after ten years in teaching",
        "a career pivot", "moving into tech from retail", "my career transition"],
    "Kubernetes": ["Kubernetes", "running containers in production", "Docker and Helm",
                   "container orchestration"],
    "Accessibility": [
        "accessibility", "making our app work with screen readers", "WCAG audits",
        "inclusive design"],
}

WANT_FR_NOUN: dict[str, list[str]] = {
    "Public speaking": ["la prise de parole en réunion", "mes présentations devant la direction",
                        "mon trac avant les conférences", "la prise de parole en public"],
    "Negotiation": ["les négociations difficiles avec les fournisseurs",
                    "la négociation de contrats", "la négociation"],
    "Salary negotiation": ["la négociation de mon salaire", "ma prochaine offre d'emploi",
                           "ma rémunération", "la négociation salariale"],
    "Team management": ["la gestion d'équipe", "l'encadrement de ma nouvelle équipe",
                        "le recrutement de mes premiers employés", "la délégation"],
    "Engineering leadership": ["le leadership technique", "la direction technique",
                               "le leadership en ingénierie"],
    "Software engineering": ["la revue de code", "le développement logiciel",
                             "la programmation"],
    "Data science": ["l'analyse de données", "les statistiques", "la visualisation de données"],
    "Cybersecurity": ["la sécurité informatique", "les tests d'intrusion", "la cybersécurité"],
    "Product management": ["la gestion de produit", "la feuille de route de mon produit",
                           "la priorisation"],
    "UX design": ["la recherche utilisateur", "l'ergonomie de nos écrans",
                  "l'expérience utilisateur"],
    "Cloud infrastructure": ["l'infonuagique", "l'infrastructure cloud",
                             "l'informatique en nuage"],
    "Entrepreneurship": ["l'entrepreneuriat", "le financement de mon projet d'entreprise"],
    "Python": ["la programmation Python", "Django"],
    "JavaScript": ["le développement web", "le front end"],
    "Machine learning": ["l'intelligence artificielle", "l'apprentissage automatique",
                         "les réseaux de neurones"],
    "Career change": ["ma reconversion professionnelle", "ma réorientation",
                      "mon changement de carrière"],
    "Kubernetes": ["les conteneurs", "Kubernetes"],
    "Accessibility": ["l'accessibilité", "la conception inclusive", "le RGAA"],
}

WANT_FR_VERB: dict[str, list[str]] = {
    "Public speaking": ["prendre la parole en réunion", "parler en public sans trembler",
                        "présenter mes idées devant un grand groupe", "gérer mon trac"],
    "Negotiation": ["négocier avec les fournisseurs", "mieux négocier mes contrats",
                    "demander une promotion"],
    "Salary negotiation": ["négocier mon salaire", "négocier ma prochaine offre d'emploi",
                           "obtenir une augmentation de salaire"],
    "Team management": ["gérer une équipe pour la première fois", "déléguer davantage",
                        "encadrer mes nouveaux collègues"],
    "Engineering leadership": ["diriger une équipe d'ingénieurs", "devenir leader technique"],
    "Software engineering": ["mieux programmer", "devenir développeuse"],
    "Data science": ["analyser mes données", "faire de bonnes statistiques"],
    "Cybersecurity": ["sécuriser nos applications", "faire des tests d'intrusion"],
    "Product management": ["devenir cheffe de produit", "construire une feuille de route"],
    "UX design": ["mener de la recherche utilisateur", "concevoir des maquettes"],
    "Cloud infrastructure": ["migrer nos serveurs vers le nuage"],
    "Entrepreneurship": ["lancer mon entreprise", "créer une entreprise",
                         "trouver du financement pour ma jeune pousse"],
    "Python": ["programmer en Python"],
    "JavaScript": ["faire du développement web"],
    "Machine learning": ["utiliser l'intelligence artificielle",
                         "entraîner des réseaux de neurones"],
    "Career change": ["changer de carrière", "réussir ma reconversion"],
    "Kubernetes": ["déployer des conteneurs"],
    "Accessibility": ["rendre nos sites accessibles"],
}

OFFER_EN: dict[str, list[str]] = {
    "Public speaking": ["coaching for talks and presentations",
                        "helping people present to executives",
                        "conference speaking (I have given 40+ talks)", "getting over stage fright",
                        "public speaking practice"],
    "Negotiation": ["negotiation coaching", "contract negotiations with vendors",
                    "bargaining tactics", "preparing for a promotion conversation"],
    "Salary negotiation": ["salary negotiation", "reviewing job offers and compensation packages",
                           "helping people negotiate pay", "compensation benchmarks"],
    "Team management": ["people management", "coaching first-time managers",
                        "running good one-on-ones", "delegation and hiring"],
    "Engineering leadership": ["tech lead and staff engineer growth", "engineering management",
                               "technical leadership", "leading engineering teams"],
    "Software engineering": ["code review and software design", "programming mentorship",
                             "software engineering practices"],
    "Data science": ["data analysis and statistics", "analytics dashboards",
                     "data visualisation"],
    "Cybersecurity": ["security reviews and threat modelling", "pentesting",
                      "infosec careers"],
    "Product management": ["product strategy and roadmaps", "product discovery",
                           "prioritization frameworks"],
    "UX design": ["user research and usability", "interaction design", "UX portfolio reviews"],
    "Cloud infrastructure": ["cloud architecture on AWS and Azure", "DevOps and SRE",
                             "Terraform"],
    "Entrepreneurship": ["founder advice", "fundraising", "starting a company"],
    "Python": ["Python and Django", "pandas"],
    "JavaScript": ["React and TypeScript", "front-end architecture"],
    "Machine learning": ["ML engineering", "deep learning", "large language models"],
    "Career change": ["career transitions", "people switching careers into tech"],
    "Kubernetes": ["Kubernetes and Helm", "container orchestration"],
    "Accessibility": ["accessibility audits (WCAG)", "inclusive design"],
}

OFFER_FR: dict[str, list[str]] = {
    "Public speaking": ["l'accompagnement à la prise de parole",
                        "la préparation d'une présentation devant la direction",
                        "la gestion du trac"],
    "Negotiation": ["la négociation de contrats", "la préparation d'une négociation difficile"],
    "Salary negotiation": ["la négociation salariale", "l'analyse d'une offre d'emploi",
                           "les questions de rémunération"],
    "Team management": ["la gestion d'équipe", "l'accompagnement des nouvelles gestionnaires",
                        "la délégation et le recrutement"],
    "Engineering leadership": ["le leadership technique", "la direction technique"],
    "Software engineering": ["la revue de code", "la programmation"],
    "Data science": ["l'analyse de données", "les statistiques appliquées"],
    "Cybersecurity": ["la sécurité informatique", "les tests d'intrusion"],
    "Product management": ["la stratégie produit", "les feuilles de route"],
    "UX design": ["la recherche utilisateur", "l'ergonomie"],
    "Cloud infrastructure": ["l'infrastructure infonuagique", "l'informatique en nuage"],
    "Entrepreneurship": ["la création d'entreprise", "l'accompagnement des fondatrices"],
    "Python": ["Python et Django"],
    "JavaScript": ["le développement web"],
    "Machine learning": ["l'apprentissage automatique", "l'intelligence artificielle"],
    "Career change": ["la reconversion professionnelle"],
    "Kubernetes": ["les conteneurs et Kubernetes"],
    "Accessibility": ["l'accessibilité numérique", "le RGAA"],
}

TITLES: dict[str, list[str]] = {
    "Public speaking": ["Keynote speaker and communications coach", "Head of communications"],
    "Negotiation": ["Procurement lead", "Partnerships director", "Sales director"],
    "Salary negotiation": ["Compensation analyst", "Career coach for tech workers"],
    "Team management": ["Operations manager", "Director of customer support"],
    "Engineering leadership": ["VP Engineering", "Staff engineer", "Engineering manager"],
    "Software engineering": ["Senior software engineer", "Principal developer"],
    "Data science": ["Data scientist", "Head of analytics"],
    "Cybersecurity": ["Security engineer", "CISO"],
    "Product management": ["Product manager", "Head of product"],
    "UX design": ["UX designer", "Design lead"],
    "Cloud infrastructure": ["Cloud architect", "SRE lead"],
    "Entrepreneurship": ["Founder, two exits", "Startup advisor"],
    "Python": ["Python and Django consultant"],
    "JavaScript": ["Front-end engineer"],
    "Machine learning": ["ML engineer", "Applied scientist"],
    "Career change": ["Career coach", "Former teacher, now engineer"],
    "Kubernetes": ["Platform engineer"],
    "Accessibility": ["Accessibility specialist"],
}

# Close but not the same: the harness treats them as worse fits than the exact topic (a
# Negotiation mentor can help with a salary, but she did not say so), not as wrong ones.
RELATED: dict[str, str] = {
    "Salary negotiation": "Negotiation", "Negotiation": "Salary negotiation",
    "Team management": "Engineering leadership", "Engineering leadership": "Team management",
    "Machine learning": "Data science", "Data science": "Machine learning",
    "Kubernetes": "Cloud infrastructure", "Cloud infrastructure": "Kubernetes",
    "UX design": "Accessibility", "Accessibility": "UX design",
    "Python": "Software engineering", "JavaScript": "Software engineering",
    "Software engineering": "Python", "Product management": "Entrepreneurship",
    "Entrepreneurship": "Product management", "Career change": "Salary negotiation",
    "Public speaking": "Negotiation", "Cybersecurity": "Cloud infrastructure",
}

WANT_FRAMES_EN = [
    "I'd like to get better at {x}.", "I want to work on {x}.", "Looking for help with {x}.",
    "Help with {x}, please!", "Mostly {x}.", "Next step for me: {x}.",
    "I'm struggling with {x} and would love some guidance.", "Could use a hand with {x}.",
    "Hoping to grow in {x} this year.", "Anything around {x}, really.",
    "I want to improve at {x}.", "Someone to help me with {x}.",
]
WANT_FRAMES_FR_NOUN = [
    "J'aimerais progresser sur {x}.", "Besoin d'aide pour {x}.", "Mon objectif cette année : {x}.",
    "Je cherche une mentore pour {x}.", "Surtout {x}.",
]
WANT_FRAMES_FR_VERB = [
    "Je veux apprendre à {x}.", "J'aimerais savoir {x}.", "Besoin d'aide pour {x}.",
    "Mon objectif : {x} d'ici l'été.", "Je voudrais réussir à {x}.",
]
OFFER_FRAMES_EN = [
    "I can help with {x}.", "Happy to mentor on {x}.", "Ask me about {x}.", "{X}.",
    "Years of experience with {x}.", "I enjoy helping people with {x}.",
]
OFFER_FRAMES_FR = [
    "Je peux aider sur {x}.", "Accompagnement : {x}.", "Je partage volontiers mon expérience "
    "sur {x}.",
]
FILLER_EN = [
    "I just moved to {city}.", "I work in {industry}.", "Coffee chats are welcome.",
    "Evenings work best for me.", "I'm a bit shy at first.", "Thanks for reading!",
    "I have two kids, so mornings are hard.", "I prefer video calls.", "",
]
FILLER_FR = [
    "Je viens d'arriver à {city}.", "Je travaille dans le secteur {industry}.",
    "Disponible le soir.", "Merci !", "Je préfère les appels vidéo.", "",
]
MEMBER_TITLES = [
    "Operations analyst", "Account executive", "Teacher", "Customer success specialist",
    "Graduate student", "Marketing coordinator", "Project coordinator", "Pharmacist",
    "Civil engineer", "Junior accountant", "Nurse", "Office manager", "Lab technician", "",
]
NEUTRAL_TAGS = ["remote work", "parenting", "running", "open source", "volunteering",
                "book club", "hiking", "women in tech"]
