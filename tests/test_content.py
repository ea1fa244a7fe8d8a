"""Tests for the bundled content under data/ and for the line-precise content validator."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.content import (
    DATA_DIR,
    MAX_ANSWER,
    PROMPT_KINDS,
    Content,
    ContentError,
    FaqEntry,
    PromptSeed,
    RoleCard,
    load_content,
)

SPEC_ROLES = (
    "pmo-director",
    "pmo-manager",
    "pmo-analyst",
    "pmo-administrator",
    "project-coordinator",
    "project-support-officer",
    "portfolio-analyst",
    "reporting-analyst",
)

TARGET_MIX = {"experience": 70.0, "exposure": 20.0, "education": 10.0}


@pytest.fixture(scope="module")
def content() -> Content:
    """The bundled content, loaded once for the module."""
    return load_content()


# ----------------------------------------------------------------------------------------------------------------
# Bundled content
# ----------------------------------------------------------------------------------------------------------------


def test_bundled_content_loads_from_the_repository_data_dir() -> None:
    assert Path(__file__).resolve().parent.parent / "data" == DATA_DIR
    assert isinstance(load_content(DATA_DIR), Content)


def test_bundled_content_meets_minimum_counts(content: Content) -> None:
    assert 30 <= len(content.vocabulary.skills) <= 45
    assert len(content.roles) >= 8
    assert len(content.faqs) >= 32
    assert len(content.prompts) >= 66


def test_prompt_kind_mix_is_near_70_20_10(content: Content) -> None:
    counts = Counter(prompt.kind for prompt in content.prompts)
    total = sum(counts.values())
    for kind, target in TARGET_MIX.items():
        share = 100 * counts[kind] / total
        assert abs(share - target) <= 5, f"{kind} is {share:.1f}% of the bank (target {target}%)"


@pytest.mark.parametrize("role_id", SPEC_ROLES)
def test_every_spec_role_has_a_card(content: Content, role_id: str) -> None:
    cards = {card.id: card for card in content.roles}
    assert role_id in cards
    assert role_id in content.vocabulary.roles


@pytest.mark.parametrize("role_id", SPEC_ROLES)
def test_every_spec_role_has_a_faq_comparing_it_with_a_project_manager(content: Content, role_id: str) -> None:
    topics = {faq.topic: faq for faq in content.faqs}
    faq = topics.get(f"{role_id}-vs-project-manager")
    assert faq is not None
    assert role_id in faq.tags


@pytest.mark.parametrize(
    "topic",
    [
        "what-is-a-pmo",
        "pmo-types",
        "hub-and-spoke-pmo",
        "reading-a-job-description",
        "pmo-cv",
        "hard-vs-soft-skills",
        "70-20-10-rule",
        "learning-from-communities",
        "finding-a-mentor",
        "becoming-a-mentor",
        "courses-and-certifications",
        "pmo-tools",
        "first-90-days",
        "pmo-career-path",
        "raid-log",
        "reporting-and-dashboards",
        "benefits-management",
        "governance",
    ],
)
def test_faq_covers_the_topics_members_ask_about(content: Content, topic: str) -> None:
    assert topic in {faq.topic for faq in content.faqs}


@pytest.mark.parametrize("alias", ["PSO", "project co-ordinator", "head of PMO", "MI analyst"])
def test_common_role_spellings_are_aliases(content: Content, alias: str) -> None:
    matches = [card for card in content.roles if alias.casefold() in {a.casefold() for a in card.aliases}]
    assert len(matches) == 1


def test_every_bundled_tag_resolves_to_exactly_one_vocabulary_entry(content: Content) -> None:
    vocabulary = content.vocabulary
    assert not set(vocabulary.skills) & set(vocabulary.roles)
    assert not set(vocabulary.skills) & set(vocabulary.topics)
    assert not set(vocabulary.roles) & set(vocabulary.topics)
    used = [tag for faq in content.faqs for tag in faq.tags] + [tag for p in content.prompts for tag in p.tags]
    for tag in used:
        assert vocabulary.is_tag(tag)
        assert vocabulary.label(tag)


def test_role_cards_use_skills_of_the_right_kind(content: Content) -> None:
    skills = content.vocabulary.skills
    for card in content.roles:
        assert all(skills[s].kind == "hard" for s in card.hard_skills), card.id
        assert all(skills[s].kind == "soft" for s in card.soft_skills), card.id
        assert all(r in content.vocabulary.roles for r in card.next_roles), card.id


def test_every_prompt_kind_is_used(content: Content) -> None:
    assert {prompt.kind for prompt in content.prompts} == set(PROMPT_KINDS)


def test_vocabulary_label_raises_key_error_for_unknown_ids(content: Content) -> None:
    assert content.vocabulary.label("raid-management").startswith("RAID")
    assert content.vocabulary.label("pmo-analyst") == "PMO Analyst"
    assert not content.vocabulary.is_tag("no-such-tag")
    with pytest.raises(KeyError):
        content.vocabulary.label("no-such-tag")


def test_content_is_immutable(content: Content) -> None:
    card: RoleCard = content.roles[0]
    faq: FaqEntry = content.faqs[0]
    prompt: PromptSeed = content.prompts[0]
    with pytest.raises(AttributeError):
        card.name = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        content.vocabulary.skills["x"] = content.vocabulary.skills["raid-management"]  # type: ignore[index]
    assert isinstance(faq.tags, tuple)
    assert isinstance(prompt.tags, tuple)


# ----------------------------------------------------------------------------------------------------------------
# Validator, on small fixtures
# ----------------------------------------------------------------------------------------------------------------

VOCABULARY = """\
skills:
  - id: raid-management
    name: RAID logs
    kind: hard
    description: Keeping a RAID log.
    aliases: [RAID]
  - id: status-reporting
    name: Status reporting
    kind: hard
    description: Writing status reports.
  - id: spreadsheets
    name: Spreadsheets
    kind: hard
    description: Excel and friends.
  - id: communication
    name: Communication
    kind: soft
    description: Saying things clearly.
  - id: attention-to-detail
    name: Attention to detail
    kind: soft
    description: Spotting errors.
  - id: discipline
    name: Organisation
    kind: soft
    description: Keeping on top of things.
roles:
  - id: pmo-analyst
    name: PMO Analyst
  - id: pmo-manager
    name: PMO Manager
topics:
  - id: cv
    name: CVs
"""

ROLES = """\
roles:
  - id: pmo-analyst
    name: PMO Analyst
    aliases: [PMO officer]
    summary: Turns project data into reports.
    responsibilities:
      - Collect updates
      - Build the report pack
      - Keep the RAID log
      - Check data quality
      - Support the PMO manager
    hard_skills: [raid-management, status-reporting, spreadsheets]
    soft_skills: [communication, attention-to-detail, discipline]
    vs_project_manager: Looks across many projects rather than delivering one.
    titles: [PMO Analyst, PMO Officer]
    next_roles: [pmo-manager]
    tools: [Excel]
"""

FAQ = """\
faqs:
  - topic: cv-tips
    question: How do I write a PMO CV?
    answer: Say what you did and for whom.
    aliases: [cv help, resume tips]
    tags: [cv, pmo-analyst]
  - topic: raid-basics
    question: What is a RAID log?
    answer: Risks, assumptions, issues and dependencies.
    aliases: [raid, raid meaning]
    tags: [raid-management]
"""

PROMPTS = """\
prompts:
  - id: raid-review
    text: Review three RAID entries and check each has an owner.
    kind: experience
    tags: [raid-management]
    hint: Share one entry you improved.
  - id: ask-a-peer
    text: Ask a peer how they run their reporting cycle.
    kind: exposure
    tags: [status-reporting]
    hint: What surprised you?
"""


def write_fixture(directory: Path, **overrides: str) -> Path:
    """Write the four small, valid content files, replacing any given by name (e.g. ``faq=...``)."""
    files = {"vocabulary": VOCABULARY, "roles": ROLES, "faq": FAQ, "prompts": PROMPTS} | overrides
    for name, text in files.items():
        (directory / f"{name}.yaml").write_text(text, encoding="utf-8")
    return directory


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """Return the 1-based line number of the n-th line of ``text`` containing ``needle``."""
    hits = [number for number, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def problems_for(directory: Path) -> tuple[str, ...]:
    """Load the fixture and return the reported problems (failing the test if it loads)."""
    with pytest.raises(ContentError) as caught:
        load_content(directory)
    return caught.value.problems


def test_small_valid_fixture_loads_without_minimum_counts(tmp_path: Path) -> None:
    loaded = load_content(write_fixture(tmp_path))
    assert [card.id for card in loaded.roles] == ["pmo-analyst"]
    assert [faq.topic for faq in loaded.faqs] == ["cv-tips", "raid-basics"]
    assert loaded.prompts[0] == PromptSeed(
        id="raid-review",
        text="Review three RAID entries and check each has an owner.",
        kind="experience",
        tags=("raid-management",),
        hint="Share one entry you improved.",
    )
    assert loaded.vocabulary.label("cv") == "CVs"
    assert loaded.vocabulary.skills["raid-management"].aliases == ("RAID",)


def test_minimum_counts_are_enforced_when_asked(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as caught:
        load_content(write_fixture(tmp_path), enforce_minimums=True)
    message = str(caught.value)
    assert "roles.yaml:1: only 1 valid role cards (at least 8)" in message
    assert "faq.yaml:1: only 2 valid FAQ entries (at least 30)" in message
    assert "prompts.yaml:1: only 2 valid prompts (at least 60)" in message


def test_unknown_faq_tag_reports_the_file_and_line_of_the_tag(tmp_path: Path) -> None:
    faq = FAQ.replace("tags: [raid-management]", "tags:\n      - raid-management\n      - made-up-tag")
    problems = problems_for(write_fixture(tmp_path, faq=faq))
    line = line_of(faq, "made-up-tag")
    assert problems == (
        f"faq.yaml:{line}: entry 'raid-basics': tag 'made-up-tag' is not a skill, role or topic id in vocabulary.yaml",
    )


def test_unknown_prompt_tag_reports_its_line(tmp_path: Path) -> None:
    prompts = PROMPTS.replace("tags: [status-reporting]", "tags: [status-reporting, nonsense]")
    problems = problems_for(write_fixture(tmp_path, prompts=prompts))
    assert problems == (
        f"prompts.yaml:{line_of(prompts, 'nonsense')}: entry 'ask-a-peer': "
        "tag 'nonsense' is not a skill, role or topic id in vocabulary.yaml",
    )


def test_duplicate_faq_alias_is_reported_case_insensitively_with_both_lines(tmp_path: Path) -> None:
    faq = FAQ.replace("aliases: [raid, raid meaning]", "aliases: [raid, CV Help]")
    problems = problems_for(write_fixture(tmp_path, faq=faq))
    first, second = line_of(faq, "cv help"), line_of(faq, "CV Help")
    assert problems == (
        f"faq.yaml:{second}: entry 'raid-basics': alias 'CV Help' is already used by entry 'cv-tips' (line {first})",
    )


def test_duplicate_role_alias_across_cards_is_reported(tmp_path: Path) -> None:
    second_card = ROLES.replace("roles:\n", "").replace("id: pmo-analyst", "id: pmo-manager")
    second_card = second_card.replace("name: PMO Analyst", "name: PMO Manager")
    second_card = second_card.replace("[pmo-manager]", "[pmo-analyst]")
    roles = ROLES + second_card
    problems = problems_for(write_fixture(tmp_path, roles=roles))
    assert problems == (
        f"roles.yaml:{line_of(roles, 'PMO officer', 2)}: entry 'pmo-manager': "
        f"alias 'PMO officer' is already used by entry 'pmo-analyst' (line {line_of(roles, 'PMO officer')})",
    )


def test_over_long_answer_is_reported_with_its_length(tmp_path: Path) -> None:
    long_answer = "x" * (MAX_ANSWER + 200)
    faq = FAQ.replace("answer: Say what you did and for whom.", f"answer: {long_answer}")
    problems = problems_for(write_fixture(tmp_path, faq=faq))
    assert problems == (f"faq.yaml:{line_of(faq, long_answer)}: entry 'cv-tips': answer is 1700 characters (max 1500)",)


def test_missing_field_is_reported_at_the_entry_line(tmp_path: Path) -> None:
    prompts = PROMPTS.replace("    hint: What surprised you?\n", "")
    problems = problems_for(write_fixture(tmp_path, prompts=prompts))
    line = line_of(prompts, "id: ask-a-peer")
    assert problems == (f"prompts.yaml:{line}: entry 'ask-a-peer': missing required field 'hint'",)


def test_every_problem_in_every_file_is_reported_at_once(tmp_path: Path) -> None:
    vocabulary = VOCABULARY.replace(
        "kind: soft\n    description: Spotting errors.", "kind: squishy\n    description: x"
    )
    roles = ROLES.replace("status-reporting, spreadsheets]", "status-reporting, communication]")
    faq = FAQ.replace("question: What is a RAID log?", "question: yes")
    prompts = PROMPTS.replace("kind: exposure", "kind: osmosis").replace("hint: Share", "colour: blue\n    hint: Share")
    write_fixture(tmp_path, vocabulary=vocabulary, roles=roles, faq=faq, prompts=prompts)
    with pytest.raises(ContentError) as caught:
        load_content(tmp_path)
    kinds = ", ".join(PROMPT_KINDS)
    assert caught.value.problems == (
        f"vocabulary.yaml:{line_of(vocabulary, 'squishy')}: entry 'attention-to-detail': "
        "kind 'squishy' must be 'hard' or 'soft'",
        f"roles.yaml:{line_of(roles, 'hard_skills')}: entry 'pmo-analyst': "
        "hard skill 'communication' is a soft skill, not hard",
        # The invalid vocabulary entry is dropped, so the card's soft skill no longer resolves either.
        f"roles.yaml:{line_of(roles, 'soft_skills')}: entry 'pmo-analyst': "
        "soft skill 'attention-to-detail' is not a skill id in vocabulary.yaml",
        f"faq.yaml:{line_of(faq, 'question: yes')}: entry 'raid-basics': question must be text, got a yes/no value",
        f"prompts.yaml:{line_of(prompts, 'colour')}: entry 'raid-review': "
        "unknown field 'colour' (allowed: hint, id, kind, tags, text)",
        f"prompts.yaml:{line_of(prompts, 'osmosis')}: entry 'ask-a-peer': kind 'osmosis' must be one of {kinds}",
    )
    assert str(caught.value).startswith("content validation failed with 6 problems:\n")
    assert str(caught.value).endswith(caught.value.problems[-1])


def test_invalid_yaml_reports_the_line_of_the_syntax_error(tmp_path: Path) -> None:
    faq = FAQ.replace("answer: Risks, assumptions, issues and dependencies.", 'answer: "unterminated\n    tags: [x')
    problems = problems_for(write_fixture(tmp_path, faq=faq))
    assert len(problems) == 1
    assert problems[0].startswith("faq.yaml:")
    assert "invalid YAML" in problems[0]


def test_missing_file_is_reported(tmp_path: Path) -> None:
    write_fixture(tmp_path)
    (tmp_path / "prompts.yaml").unlink()
    assert problems_for(tmp_path) == (f"prompts.yaml:1: file not found in {tmp_path}",)


def test_duplicate_ids_across_vocabulary_sections_are_reported(tmp_path: Path) -> None:
    vocabulary = VOCABULARY.replace("  - id: cv\n    name: CVs", "  - id: pmo-analyst\n    name: Analysts")
    problems = problems_for(write_fixture(tmp_path, vocabulary=vocabulary))
    assert problems == (
        f"vocabulary.yaml:{line_of(vocabulary, 'id: pmo-analyst', 2)}: entry 'pmo-analyst': "
        f"id 'pmo-analyst' is already used by entry 'pmo-analyst' (line {line_of(vocabulary, 'id: pmo-analyst')})",
        # The topic 'cv' no longer exists, so the FAQ that used it is reported too.
        f"faq.yaml:{line_of(FAQ, 'tags: [cv')}: entry 'cv-tips': "
        "tag 'cv' is not a skill, role or topic id in vocabulary.yaml",
    )


def test_responsibility_count_and_length_are_checked(tmp_path: Path) -> None:
    long_item = "y" * 130
    roles = ROLES.replace("      - Support the PMO manager\n", "").replace("Collect updates", long_item)
    problems = problems_for(write_fixture(tmp_path, roles=roles))
    assert problems == (
        f"roles.yaml:{line_of(roles, 'responsibilities:')}: entry 'pmo-analyst': "
        "responsibilities has 4 items (expected 5-8)",
        f"roles.yaml:{line_of(roles, long_item)}: entry 'pmo-analyst': "
        "item of responsibilities is 130 characters (max 120)",
    )
