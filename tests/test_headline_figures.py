"""The lesson summaries in README.md and on the course home (nbs/index.ipynb) state the same figures as the lessons.

Both pages have a table with one row per lesson: `| 7 | [All ten digits](...) | what it is about |`. README.md is
kept in step with the home page by hand, so the two must say the same thing, word for word. Every percentage a
summary quotes is checked against the saved outputs of the course, never recomputed:

- "95%", "97.3%": the accuracy of one of that lesson's headline models in the results table saved in
  nbs/11_results.ipynb, rounded to the digits quoted;
- "over 98%" (also "more than", "above", "at least"): a lower bound, which the saved accuracy must clear and which
  the lesson itself asserts (`Headline.bound`), so it holds for any seed, not only on the saved run;
- "from 78%": where a lesson starts, not a headline: the lesson notebook must show it (in its text or saved outputs).

Training times are not quoted as figures: they change with the machine and its load ("a few seconds" is fine)."""
import json, re
from pathlib import Path

import pytest

from mnist_course.results import HEADLINES
from test_results import saved_rows as saved_results  # the table saved in nbs/11_results.ipynb

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
SUMMARY_ROW = re.compile(r'^\|\s*(\d+)\s*\|\s*\[[^\]]+\]\((?:nbs/)?(\d\d_\w+\.ipynb)\)\s*\|\s*(.*?)\s*\|\s*$', re.M)
FIGURE = re.compile(r'(?:\b(over|more than|above|at least|from)\s+)?(\d+(?:\.\d+)?)\s*%', re.I)
NUMBER_WORDS = 'one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|sixty'
SECONDS = re.compile(rf'\b(?:(?:\d+(?:\.\d+)?|{NUMBER_WORDS})\s*(?:seconds?|secs?)|\d+(?:\.\d+)?\s+s)\b', re.I)  # not '3s vs 7s'

def markdown_of(nb:dict) -> str:
    return '\n\n'.join(''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown')

def summaries(text:str) -> dict:
    "`{lesson: (notebook, summary)}` from the lesson table in `text`"
    return {int(n): (f, s) for n, f, s in SUMMARY_ROW.findall(text)}

def readme_summaries(): return summaries((ROOT/'README.md').read_text())
def index_summaries(): return summaries(markdown_of(json.loads((NBS/'index.ipynb').read_text())))

def lesson_text(notebook:str) -> str:
    "A lesson's markdown and its saved outputs (text, Markdown and HTML), where its own figures appear"
    nb = json.loads((NBS/notebook).read_text())
    outs = [''.join(o.get('text', '')) + ''.join(''.join(v) for k, v in o.get('data', {}).items()
                                                  if k in ('text/plain', 'text/markdown', 'text/html'))
            for c in nb['cells'] for o in c.get('outputs', [])]
    return markdown_of(nb) + '\n' + '\n'.join(outs)

def _shown_as(pct:float, quoted:str) -> str:
    "`pct` rounded to the number of decimals in `quoted`, as a string"
    return f"{pct:.{len(quoted.partition('.')[2])}f}"

def figure_problems(summ:dict, rows:list, headlines=HEADLINES, text_of=lesson_text) -> list:
    "What is wrong with the figures quoted in the lesson summaries `summ`, given the saved results `rows`"
    bound = {h.model: h.bound for h in headlines}
    problems = []
    for lesson, (notebook, s) in sorted(summ.items()):
        ours = [r for r in rows if r['lesson'] == lesson]
        for m in SECONDS.finditer(s):
            problems.append(f"lesson {lesson}: '{m.group(0)}' quotes a training time; times change with the machine "
                            "and its load, so say 'a few seconds' (the results page has today's figures)")
        for m in FIGURE.finditer(s):
            qual, quoted = (m.group(1) or '').lower(), m.group(2)
            x, where = float(quoted), f"lesson {lesson}: '{m.group(0)}'"
            if qual == 'from':
                shown = {_shown_as(float(p), quoted) for p in re.findall(r'(\d+(?:\.\d+)?)\s*%', text_of(notebook))}
                if quoted not in shown: problems.append(f"{where}: {notebook} shows no {quoted}%")
            elif not ours:
                problems.append(f"{where}: lesson {lesson} has no headline in the results table to back it")
            elif qual:
                if not any(r['accuracy']*100 >= x and bound[r['model']]*100 >= x for r in ours):
                    problems.append(f"{where}: no headline of lesson {lesson} clears {x}% both in the results table and "
                                    f"in the bound its lesson asserts: " +
                                    ', '.join(f"{r['model']} {r['accuracy']:.2%} (bound {bound[r['model']]:.1%})" for r in ours))
            elif not any(_shown_as(r['accuracy']*100, quoted) == quoted for r in ours):
                problems.append(f"{where}: the results table has " +
                                ', '.join(f"{r['model']} {r['accuracy']:.2%}" for r in ours))
    return problems

LESSON_NB = re.compile(r'(0[1-9]|10)_\w+\.ipynb')
MAP_NODE = re.compile(r'^\s*L(\d+)\["<b>\d+\. [^<]*</b>(.*)"\]\s*$', re.M)

def map_steps() -> dict:
    "`{lesson: (notebook, the step's text)}` from the course map, the mermaid flowchart on the course home"
    notebooks = {int(n): f for n, (f, _) in index_summaries().items()}
    return {int(n): (notebooks.get(int(n), ''), t.replace('<br/>', ' ')) for n, t in MAP_NODE.findall(markdown_of(json.loads((NBS/'index.ipynb').read_text())))}

def test_every_lesson_has_a_summary():
    lessons = sorted(int(p.name[:2]) for p in NBS.glob('*.ipynb') if LESSON_NB.fullmatch(p.name))
    assert sorted(readme_summaries()) == lessons and sorted(index_summaries()) == lessons

def test_readme_and_index_say_the_same():
    readme, index = readme_summaries(), index_summaries()
    diff = [f"lesson {n}:\n  README.md:  {readme[n][1]}\n  index.ipynb: {index.get(n, ('', '(missing)'))[1]}"
            for n in readme if readme[n] != index.get(n)]
    assert not diff, "README.md and nbs/index.ipynb summarise lessons differently:\n" + '\n'.join(diff)

def test_the_results_table_holds_every_headline():
    assert [r['model'] for r in saved_results()] == [h.model for h in HEADLINES]

@pytest.mark.parametrize('page', ['README.md', 'nbs/index.ipynb'])
def test_summary_figures_match_the_results(page):
    summ = readme_summaries() if page == 'README.md' else index_summaries()
    assert any(FIGURE.search(s) for _, s in summ.values()), f"{page}: no figures found; is the lesson table still there?"
    problems = figure_problems(summ, saved_results())
    assert not problems, f"{page}:\n" + '\n'.join(problems)

def test_the_course_map_has_every_lesson_and_its_figures_match():
    steps = map_steps()
    assert sorted(steps) == sorted(index_summaries()), "the course map on the home page must have one step per lesson"
    problems = figure_problems(steps, saved_results())
    assert not problems, "course map:\n" + '\n'.join(problems)

ROWS = [dict(lesson=2, model='pixel-similarity', accuracy=0.9511), dict(lesson=7, model='mlp', accuracy=0.9833)]
class _H:
    def __init__(self, model, bound): self.model, self.bound = model, bound
FAKE_HEADLINES = [_H('pixel-similarity', 0.95), _H('mlp', 0.98)]
FAKE_TEXT = {'07.ipynb': "a slow start (78% after four epochs)", '02.ipynb': ''}

def check(lesson, s):
    return figure_problems({lesson: (f'0{lesson}.ipynb', s)}, ROWS, FAKE_HEADLINES, FAKE_TEXT.get)

@pytest.mark.parametrize('lesson,summary', [
    (2, "compare with the ideal 3 and 7 (95% on 3s vs 7s)"),
    (2, "95.1% on 3s vs 7s"),
    (6, "one change at a time, 3s vs 7s"),
    (7, "the road from 78% to over 98% in a few seconds"),
    (7, "reaches 98.33%, at least 98%"),
    (4, "no figures at all"),
])
def test_agreeing_figures_pass(lesson, summary):
    assert check(lesson, summary) == []

@pytest.mark.parametrize('lesson,summary,says', [
    (2, "the ideal 3 and 7 (96% on 3s vs 7s)", "the results table has pixel-similarity 95.11%"),
    (2, "95.2% on 3s vs 7s", "the results table has"),
    (7, "the road from 86% to over 98%", "07.ipynb shows no 86%"),
    (7, "from 78% to at least 98.3%", "no headline of lesson 7 clears 98.3%"),  # the saved run does, the bound doesn't
    (7, "from 78% to over 99%", "no headline of lesson 7 clears 99.0%"),
    (7, "over 98% in about two seconds", "quotes a training time"),
    (7, "over 98% in 1.9 s", "quotes a training time"),
    (4, "learns the speed to 90% accuracy", "lesson 4 has no headline in the results table"),
])
def test_disagreeing_figures_fail(lesson, summary, says):
    problems = check(lesson, summary)
    assert len(problems) == 1 and says in problems[0], problems

def test_a_changed_readme_is_caught():
    "On the real pages: README's lesson-2 figure changed to 96% fails against the saved results and differs from the index"
    summ = readme_summaries()
    n, (f, s) = 2, summ[2]
    assert '95%' in s
    bad = {**summ, n: (f, s.replace('95%', '96%'))}
    assert any('lesson 2' in p for p in figure_problems(bad, saved_results()))
    assert bad != index_summaries()
