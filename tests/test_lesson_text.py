"""The text a learner reads speaks to the learner, and every lesson ends the same way.

Two checks over every notebook in nbs/ (markdown cells, and the Markdown that code cells display) and README.md:

- no *builder's words*: phrases about how the course was made ("the seed's worked example", "the goal was",
  "on an H100", "offline", "the mirror's README", issue numbers) instead of named sources a learner can follow;
- every numbered lesson (nbs/0[1-9]_*.ipynb) ends with the four closing sections, each with real content:
  a jargon recap table, questions, further research and further reading with at least one link.

Each check is also run on a deliberately bad notebook, to show that it can fail."""
import json, re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'

# label -> pattern. Patterns aim at the builder's meaning only: "the seed" as the notebooks this course grew from,
# not a random seed ("we seed the generator", "fixed seeds", "the seed of the generator", "change the seed");
# "target" as a goal ("an accuracy target", "met the target", "a target of 98%"), not the value a loss compares with.
BUILDER_WORDS = {
    'the seed/the seeds (say which source: fastbook, Nielsen, ...)':
        r"\bthe\s+seeds?\b(?!\s+(?:of|for|to|value|values|argument|parameter|=|\d|`))|\bseeds'",
    'goal (a learner has no goals list; say what the lesson does)': r"\bgoals?\b",
    'target meaning a goal (say what was reached, and whose number it is)':
        r"\b(?:accuracy|time|timing|speed|performance)\s+targets?\b"
        r"|\btargets?\s+(?:was|were)\b"
        r"|\btargets?\s+(?:of\s+)?(?:at\s+least\s+|at\s+most\s+)?\d+(?:\.\d+)?\s*(?:%|s\b|seconds)"
        r"|\b(?:hit|hits|met|meet|meets|miss|missed|misses|beat|beats)\s+(?:the|its|our|this|that)\s+targets?\b",
    'build machine (H100/A100/H200)': r"\b[AH]100\b|\bH200\b",
    'offline (say "without internet" where it matters)': r"\boffline\b",
    "the mirror's README": r"\bmirror'?s\s+README\b",
    'issue numbers or the brief': r"\bissue\s+#?\d+\b|\b(?:the|this)\s+brief\b",
}
LEGIT_SEED_VERB = r"\b(?:change|changing|set|setting|pass|passing|fix|fixing|vary|varying|pick|choose|try)\s+$"

CLOSING_SECTIONS = {  # heading -> (what its body must contain, in words; the pattern that finds it)
    'Jargon recap': ('a table (term | meaning)', r"^\|.*\|\s*\n\|[\s:|-]+\|"),
    'Questions': ('a numbered list', r"^\s*1\.\s+\S"),
    'Further research': ('a list', r"^\s*(?:-|\*|1\.)\s+\S"),
    'Further reading': ('at least one link', r"\]\(https?://"),
}

def lessons(): return sorted(NBS.glob('0[1-9]_*.ipynb'))
def notebooks(): return sorted(NBS.glob('*.ipynb'))
def load(path): return json.loads(Path(path).read_text())

def learner_text(nb) -> list:
    "`(where, text)` for every markdown cell and every Markdown output a code cell displays"
    out = []
    for i, c in enumerate(nb['cells']):
        src = ''.join(c.get('source', ''))
        if c['cell_type'] == 'markdown': out.append((f'cell {i}', src))
        for o in c.get('outputs', []):
            md = o.get('data', {}).get('text/markdown')
            if md: out.append((f'cell {i} output', ''.join(md)))
    return out

def builder_words(text:str) -> list:
    "`(label, snippet)` for each builder's word in `text`"
    found = []
    for label, pat in BUILDER_WORDS.items():
        for m in re.finditer(pat, text, flags=re.IGNORECASE):
            if label.startswith('the seed') and re.search(LEGIT_SEED_VERB, text[:m.start()], flags=re.IGNORECASE): continue
            found.append((label, text[max(0, m.start()-40):m.end()+40].replace('\n', ' ')))
    return found

def notebook_builder_words(nb) -> list:
    return [(where, label, snip) for where, text in learner_text(nb) for label, snip in builder_words(text)]

def sections(nb) -> dict:
    "The level-2 sections of a notebook's markdown: heading -> body (up to the next level-2 heading)"
    doc = '\n\n'.join(t for w, t in learner_text(nb) if 'output' not in w)
    parts = re.split(r"^##\s+(.+?)\s*$", doc, flags=re.MULTILINE)
    return {h.strip(): body for h, body in zip(parts[1::2], parts[2::2])}

def missing_sections(nb) -> list:
    "What the closing sections lack: a missing heading, or a heading whose body lacks what it must hold"
    secs, problems = sections(nb), []
    for head, (what, pat) in CLOSING_SECTIONS.items():
        if head not in secs: problems.append(f"no '## {head}' section")
        elif not re.search(pat, secs[head], flags=re.MULTILINE): problems.append(f"'## {head}' needs {what}")
    return problems

# --- the real notebooks

@pytest.mark.parametrize('path', notebooks(), ids=lambda p: p.name)
def test_no_builders_words(path):
    found = notebook_builder_words(load(path))
    assert not found, f"{path.name} speaks about how the course was made, not to the learner:\n" + '\n'.join(
        f"  {where}: {label}: ...{snip}..." for where, label, snip in found)

def test_no_builders_words_in_readme():
    found = builder_words((ROOT/'README.md').read_text())
    assert not found, "README.md: " + '\n'.join(f"  {label}: ...{snip}..." for label, snip in found)

@pytest.mark.parametrize('path', lessons(), ids=lambda p: p.name)
def test_lesson_has_closing_sections(path):
    problems = missing_sections(load(path))
    assert not problems, f"{path.name} must end with a jargon recap, questions, further research and further reading: " + '; '.join(problems)

def test_every_lesson_is_checked():
    assert len(lessons()) >= 8 and all(p.name[:2] != '00' for p in lessons())

# --- the checks can fail

def _nb(*md, outputs=()):
    cells = [dict(cell_type='markdown', source=[m]) for m in md]
    cells += [dict(cell_type='code', source=['Markdown(s)'], outputs=[dict(data={'text/markdown': [o]})]) for o in outputs]
    return dict(cells=cells)

GOOD_CLOSING = ("## Jargon recap\n\n| term | meaning |\n|---|---|\n| loss | how bad |",
                "## Questions\n\n1. Why?", "## Further research\n\n- Try it.",
                "## Further reading\n\n- fastbook, [chapter 4](https://github.com/fastai/fastbook)")

@pytest.mark.parametrize('bad, label', [
    ("Here is the seed's small example: three images.", 'the seed'),
    ("The seed version of this exercise trained a 784-30-10 net.", 'the seed'),
    ("The seeds used ImageNet-pretrained weights.", 'the seed'),
    ("Both beat the seeds' 0.978 a little.", 'the seed'),
    ("The goal was at least 98.0% in at most 2 seconds.", 'goal'),
    ("Every time we state is for 2 cores (the lesson's goal is a timing).", 'goal'),
    ("The accuracy target was 98%.", 'target'),
    ("It met the target in 1.9 s.", 'target'),
    ("with a target of 2 seconds", 'target'),
    ("On an H100 the runs reach the same accuracy.", 'build machine'),
    ("We can't download those offline.", 'offline'),
    ("The counts match the mirror's README.", "the mirror's README"),
    ("As issue 10 asks, we fixed it.", 'issue'),
])
def test_builders_words_are_caught(bad, label):
    found = notebook_builder_words(_nb("An innocent first cell.", bad))
    assert [l for w, l, s in found if l.startswith(label)], (bad, found)
    assert found[0][0] == 'cell 1'  # and it says where
    assert notebook_builder_words(_nb("fine", outputs=[bad])), "prose displayed from code counts too"

@pytest.mark.parametrize('ok', [
    "We seed the random generator so the same nine come up every time.",
    "It trains with fixed seeds, so the number repeats.",
    "A seeded `torch.Generator` makes the shuffle the same.",
    "Change the seed and the digits change, but not the accuracy.",
    "the seed of the generator is 42; the seed 42 gives the same model",
    "if the image is a 3 (target 1), the loss is `1 - pred`",
    "A target of 3 or 7 (the digit instead of 'is it a 3') would give nonsense.",
    "Its target is \"7\" but the model gives \"3\" a higher score; targets 0/1; the target class.",
    "On a machine without internet, point `MNIST_COURSE_DATA` at a local mirror.",
])
def test_legitimate_words_pass(ok):
    assert builder_words(ok) == [], builder_words(ok)

def test_missing_sections_are_named():
    assert missing_sections(_nb("# A lesson", *GOOD_CLOSING)) == []
    probs = missing_sections(_nb("# A lesson", GOOD_CLOSING[1], GOOD_CLOSING[2]))
    assert probs == ["no '## Jargon recap' section", "no '## Further reading' section"], probs

def test_empty_sections_are_caught():
    hollow = ("## Jargon recap\n\nEpoch, batch.", "## Questions\n\nThink about it.", "## Further research\n\nMore.",
              "## Further reading\n\nfastbook chapter 4.")
    assert missing_sections(_nb(*hollow)) == ["'## Jargon recap' needs a table (term | meaning)",
        "'## Questions' needs a numbered list", "'## Further research' needs a list", "'## Further reading' needs at least one link"]

def test_sections_span_cells_and_stop_at_the_next_heading():
    nb = _nb("## Jargon recap\n\nintro", "| term | meaning |\n|---|---|\n| a | b |", "## Questions\n\n1. Why?")
    assert 'term' in sections(nb)['Jargon recap'] and 'Why' not in sections(nb)['Jargon recap']
