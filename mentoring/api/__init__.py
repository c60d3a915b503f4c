"""The open API's mentoring (docs/api.md): her recommendations with their reasons
(`recommendations`), her mentorship requests, asking, answering, withdrawing (`requests`),
her mentorships, the agreement, goals, milestones, sessions and the end (`mentorships`),
and the pairs a matching round proposed to her (`proposals`); `shapes` holds what they
answer. Each asks mentoring's permissions, selectors and services, as the pages do: each
change tells the other and the programme's webhooks exactly as from the page. Private
notes are never part of it; nor is the reason a mentorship ended (the programme team's
alone)."""
