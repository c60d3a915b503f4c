"""The vocabulary a new community starts from: topics with their French names and the other
words members write for them, in both languages.

Matching recognises a topic in free text by its name or any of these words ("prise de
parole", "presenting" and "public speaking" all mean Public speaking). Admins edit them on
the vocabulary page; this list only seeds a community (the demo, and a migration that fills
the synonyms of existing topics with these names when they have none).
"""

from __future__ import annotations

from typing import NamedTuple


class DefaultTopic(NamedTuple):
    kind: str  # "expertise" or "skill"
    name: str
    name_fr: str
    synonyms: tuple[str, ...]
    synonyms_fr: tuple[str, ...]


TOPICS: tuple[DefaultTopic, ...] = (
    DefaultTopic("expertise", "Software engineering", "Génie logiciel",
                 ("software development", "software developer", "programming", "coding",
                  "writing code", "code review", "software engineer", "developer",
                  "software design", "clean code"),
                 ("développement logiciel", "programmation", "développeuse", "développeur",
                  "programmeuse", "coder", "revue de code",
                  "ingénieure logiciel")),
    DefaultTopic("expertise", "Data science", "Science des données",
                 ("data analysis", "data analytics", "data scientist", "statistics",
                  "data visualisation", "data visualization", "analytics"),
                 ("analyse de données", "scientifique des données", "statistiques",
                  "visualisation de données", "données")),
    DefaultTopic("expertise", "Cybersecurity", "Cybersécurité",
                 ("information security", "infosec", "security engineer", "security reviews",
                  "penetration testing",
                  "threat modelling", "threat modeling", "appsec", "pentesting", "ciso",
                  "secure code"),
                 ("sécurité informatique", "sécurité de l'information", "test d'intrusion",
                  "sécuriser", "tests d'intrusion", "sécurité des applications")),
    DefaultTopic("expertise", "Product management", "Gestion de produit",
                 ("product manager", "product owner", "roadmap", "product strategy",
                  "product discovery", "prioritisation", "prioritization",
                  "head of product", "product roadmap"),
                 ("gestionnaire de produit", "cheffe de produit", "chef de produit",
                  "feuille de route", "stratégie produit", "priorisation")),
    DefaultTopic("expertise", "UX design", "Design UX",
                 ("user experience", "user research", "interaction design", "ui design",
                  "usability", "product design", "wireframes", "designing interfaces",
                  "interface design", "user interviews", "prototyping", "ux portfolio",
                  "ux designer"),
                 ("expérience utilisateur", "recherche utilisateur", "ergonomie",
                  "conception d'interfaces", "maquettes")),
    DefaultTopic("expertise", "Cloud infrastructure", "Infrastructure infonuagique",
                 ("cloud", "aws", "azure", "google cloud", "devops", "site reliability",
                  "sre", "infrastructure as code", "terraform", "platform engineer",
                  "platform engineering"),
                 ("infonuagique", "nuage", "infrastructure cloud", "informatique en nuage")),
    DefaultTopic("expertise", "Engineering leadership", "Leadership en ingénierie",
                 ("engineering manager", "tech lead", "technical leadership", "staff engineer",
                  "leading engineers", "leadership", "cto", "vp engineering",
                  "engineering director", "head of engineering"),
                 ("gestionnaire en ingénierie", "leadership technique", "diriger une équipe",
                  "direction technique", "leadership", "leader technique",
                  "directrice technique")),
    DefaultTopic("expertise", "Entrepreneurship", "Entrepreneuriat",
                 ("startup", "start a company", "founder", "founding", "fundraising",
                  "own business", "business owner", "starting a company"),
                 ("démarrer une entreprise", "fondatrice", "jeune pousse", "financement",
                  "lancer mon entreprise", "créer une entreprise", "entrepreneure",
                  "création d'entreprise", "projet d'entreprise")),
    DefaultTopic("skill", "Python", "Python", ("django", "pandas", "python programming"),
                 ("programmation python",)),
    DefaultTopic("skill", "JavaScript", "JavaScript",
                 ("typescript", "react", "node.js", "nodejs", "frontend", "front-end"),
                 ("développement web", "front end")),
    DefaultTopic("skill", "Machine learning", "Apprentissage automatique",
                 ("artificial intelligence", "AI", "deep learning", "neural networks", "ML",
                  "llm", "large language models"),
                 ("intelligence artificielle", "IA", "apprentissage profond",
                  "réseaux de neurones")),
    DefaultTopic("skill", "Public speaking", "Prise de parole en public",
                 ("presentation skills", "presenting", "presentations", "giving talks",
                  "speaking at conferences", "conference talks", "speak in public",
                  "stage fright", "keynote", "in front of a crowd", "in front of an audience",
                  "speaking up in meetings", "speaking up", "pitching", "pitch my ideas"),
                 ("prise de parole", "prendre la parole", "parler en public", "présentations",
                  "conférences", "présenter", "trac", "faire une présentation")),
    DefaultTopic("skill", "Negotiation", "Négociation",
                 ("negotiating", "negotiate", "bargaining", "asking for a raise",
                  "ask for a raise", "asking for a promotion", "promotion conversation",
                  "sales director", "procurement"),
                 ("négocier", "négociations", "demander une augmentation",
                  "demander une promotion")),
    DefaultTopic("skill", "Career change", "Réorientation de carrière",
                 ("changing careers", "career switch", "career transition", "switch careers",
                  "move into tech", "pivot", "career pivot", "changing jobs"),
                 ("reconversion", "reconversion professionnelle", "changer de carrière",
                  "transition de carrière", "changement de carrière", "réorientation")),
    DefaultTopic("skill", "Kubernetes", "Kubernetes",
                 ("k8s", "containers", "docker", "container orchestration", "helm"),
                 ("conteneurs", "orchestration de conteneurs")),
    DefaultTopic("skill", "Team management", "Gestion d'équipe",
                 ("managing a team", "people management", "manage people", "first-time manager",
                  "new manager", "one-on-ones", "delegation", "hiring", "managing people"),
                 ("gérer une équipe", "gestion de personnel", "gestionnaire", "déléguer",
                  "délégation", "recrutement", "encadrer", "gestion des personnes")),
    DefaultTopic("skill", "Salary negotiation", "Négociation salariale",
                 ("negotiate my salary", "salary", "pay raise", "compensation", "job offer",
                  "negotiating pay"),
                 ("négocier mon salaire", "salaire", "rémunération", "augmentation de salaire",
                  "offre d'emploi")),
    DefaultTopic("skill", "Accessibility", "Accessibilité",
                 ("a11y", "wcag", "inclusive design", "screen readers", "accessible design"),
                 ("conception inclusive", "lecteurs d'écran", "accessible", "rgaa")),
)
