"""Search quality: realistic member questions (typos, synonyms, their own words) against the built-in FAQ.

Each question is phrased the way people ask in a community, not copied from an entry's question or aliases.
The test prints top-1 and top-3 accuracy and fails below the goals (85% / 95%), or below the top-1 figure this
set had before the chat-spelling work of issue 13 (44 of 48): that work was tuned on this set and
tests/data/faq_dev_slang.yaml, and checked on the held-out set (tests/test_faq_search_heldout.py).
"""

from __future__ import annotations

import pytest

from bot.clock import ManualClock
from bot.content import Content, load_content
from bot.db import Database
from bot.services import faq

GUILD = 4242

# (question as a member would type it, topic it should find)
QUESTIONS: tuple[tuple[str, str], ...] = (
    ("wat does pmo even mean", "what-is-a-pmo"),
    ("explain project managment office to a newbie pls", "what-is-a-pmo"),
    ("are there diffrent kinds of PMOs", "pmo-types"),
    ("our company has a central pmo plus a small one in each division, what's that setup called", "hub-and-spoke-pmo"),
    ("is working in a PMO basically the same job as being a project manager?", "pmo-vs-project-manager"),
    ("whats the job of a pmo director compared with a PM", "pmo-director-vs-project-manager"),
    ("pmo lead vs pm - who is actually in charge?", "pmo-manager-vs-project-manager"),
    (
        "im a pmo analsyt and my friends think i run projects, how do i explain the difference",
        "pmo-analyst-vs-project-manager",
    ),
    ("is pmo admin a good first job and how is it different from a PM", "pmo-administrator-vs-project-manager"),
    ("project co-ordinator or project manager, which should I apply for", "project-coordinator-vs-project-manager"),
    ("what is a PSO role in a project team", "project-support-officer-vs-project-manager"),
    ("what does a portfolio anaylst do differently from a project manager", "portfolio-analyst-vs-project-manager"),
    ("what does a reporting analyst in the pmo actually do", "reporting-analyst-vs-project-manager"),
    ("what do planners and schedulers do in a pmo", "specialist-pmo-roles"),
    ("how to work out what a pmo job advert is really asking for", "reading-a-job-description"),
    ("tips for my resume, applying for PMO analyst jobs", "pmo-cv"),
    ("what questions will they ask me at a pmo job interview", "pmo-interview"),
    ("where can i go after being a pmo analyst, career wise", "pmo-career-path"),
    ("how do I get into PMO work with zero experience", "breaking-into-pmo"),
    ("moving from construction to banking, will my pmo skills carry over", "changing-industry"),
    ("is there a framework listing the competencies for pmo jobs", "competency-frameworks"),
    ("what's the difference between hard skills and soft skils", "hard-vs-soft-skills"),
    ("what does 70/20/10 mean", "70-20-10-rule"),
    ("how do I use the 70 20 10 idea to plan my own learning", "applying-70-20-10"),
    ("are there any good online forums or groups for pmo people", "learning-from-communities"),
    ("how can I get matched with a mentor here", "finding-a-mentor"),
    ("I'd like to mentor juniors, how do I sign up as a mentor", "becoming-a-mentor"),
    ("which certifcation should I do first, prince2 or PMP?", "courses-and-certifications"),
    ("is there a certification made just for PMO professionals", "pmo-certifications"),
    ("how many PDUs do I need to renew my PMP", "keeping-certifications-current"),
    ("which software should our PMO use to track projects", "pmo-tools"),
    ("how do I stop our raid log going stale", "raid-log"),
    ("everything on our status report stays green until it suddenly goes red, why?", "rag-status"),
    ("nobody reads my weekly dashboard, how do I make it useful", "reporting-and-dashboards"),
    ("what happens at a stage gate review", "governance"),
    ("what does independent assurance on a project involve", "assurance"),
    ("how do we track benefits once the project has closed", "benefits-management"),
    ("we never learn from past projects, how do we fix our lessons learnt", "lessons-learned"),
    ("two projects both want the same developer at the same time, how does the pmo handle it", "resource-management"),
    ("how to decide which projects get funded when there are too many", "portfolio-prioritisation"),
    ("the sponsor keeps adding scope, what's the process for that", "change-control"),
    ("our pmo might be shut down, how do we prove were worth it", "pmo-value"),
    ("starting my new pmo job on monday, what should I do first", "first-90-days"),
    ("how do I log what I learned in this server", "daily-prompts-and-progress"),
    ("can i transfer my skills from the nhs to a tech company pmo", "changing-industry"),
    ("how do I show my pmo experience on my cv", "pmo-cv"),
    ("is the PMI-PMOCP worth doing", "pmo-certifications"),
    ("what is a steering comittee for", "governance"),
)


TOP1_BEFORE_ISSUE_13 = 44  # of the 48 questions above, measured at the commit that added tests/data/faq_heldout.yaml

# Questions the built-in FAQ does not cover: they should become knowledge gaps, not confident answers.
UNCOVERED: tuple[str, ...] = (
    "best pizza near the office",
    "what is the weather tomorrow",
    "can I bring my dog to the office",
    "is it ok to work from home on fridays",
    "who won the football last night",
    "how do i reset my discord password",
    "recommend a good laptop",
    "how do pmo people deal with burnout",
    "do i need a degree to work in a pmo",
    "how much does a pmo analyst earn in london",
    "what salary should I ask for as a pmo manager",
    "is chatgpt any good for writing status reports",
    "whats the best way to learn sql",
    "when is the next server event",
    "can someone review my excel macro",
)


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


@pytest.fixture
async def catalog(db: Database, content: Content, clock: ManualClock) -> faq.FaqCatalog:
    built = faq.build_catalog(content.faqs, content.vocabulary)
    await faq.sync_index(db, built, clock.now())
    return built


async def test_member_questions_find_the_right_entry(db: Database, catalog: faq.FaqCatalog) -> None:
    top1 = top3 = confident = 0
    misses = []
    for question, expected in QUESTIONS:
        hits = await faq.search(db, catalog, GUILD, question)
        topics = [hit.faq.topic for hit in hits]
        top1 += topics[:1] == [expected]
        top3 += expected in topics[:3]
        confident += topics[:1] == [expected] and faq.is_confident(hits[0])
        if topics[:1] != [expected]:
            misses.append(f"{question!r}: expected {expected}, got {topics[:3]}")
    total = len(QUESTIONS)
    # The issue asks for these figures to be printed (run pytest with -s to see them).
    print(  # noqa: T201
        f"\nFAQ search quality over {total} questions: top-1 {top1 / total:.1%}, top-3 {top3 / total:.1%}, "
        f"answered confidently {confident / total:.1%}"
    )
    for miss in misses:
        print("  miss:", miss)  # noqa: T201
    assert total >= 40
    assert top1 / total >= 0.85
    assert top1 >= TOP1_BEFORE_ISSUE_13
    assert top3 / total >= 0.95


async def test_uncovered_questions_are_not_answered_confidently(db: Database, catalog: faq.FaqCatalog) -> None:
    answered = []
    for question in UNCOVERED:
        hits = await faq.search(db, catalog, GUILD, question)
        if hits and faq.is_confident(hits[0]):
            answered.append(f"{question!r} -> {hits[0].faq.topic}")
    share = 1 - len(answered) / len(UNCOVERED)
    print(f"\nUncovered questions recorded as gaps: {share:.0%}", *answered, sep="\n  ")  # noqa: T201
    assert share >= 0.8
