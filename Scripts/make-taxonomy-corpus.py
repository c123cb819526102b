#!/usr/bin/env python3
"""Writes Problems/taxonomy-corpus.jsonl: failing samples for the assay-mini problems, each
labelled by hand with its Dou et al. category and leaf (snake_case ids).

The labels are the Assay team's human judgement of the root cause, following the definitions in
shared/notes/taxonomy-repair.md section 1.1, written before the classifier's rules were tuned.
`ambiguous: true` marks samples where two leaves are defensible; the label is still the one we
would give by hand. Run from the repository root: python3 Scripts/make-taxonomy-corpus.py
"""
import json
import os

S = []


def add(task, leaf, code, note, ambiguous=False, solution=False):
    category = {"incomplete_syntax_structure": "syntax", "incorrect_indentation": "syntax",
                "library_import_error": "syntax", "api_misuse": "runtime", "definition_missing": "runtime",
                "incorrect_boundary_condition_check": "runtime", "incorrect_argument": "runtime",
                "runtime_minors": "runtime", "misunderstanding_and_logic_error": "functional",
                "hallucination": "functional", "input_output_format_error": "functional",
                "functional_minors": "functional"}[leaf]
    line = {"task_id": "AssayMini/%d" % task}
    line["solution" if solution else "completion"] = code
    line.update(bug_category=category, bug_subcategory=leaf, ambiguous=ambiguous, note=note)
    S.append(line)


# ---- A.1 incomplete syntax structure --------------------------------------------------------
add(17, "incomplete_syntax_structure",
    "    out = []\n    i = 0\n    while i < len(text):\n        j = i\n        while j < len(text) and text[j] == text[i]:\n"
    "            j += 1\n        out.append(text[i] + (str(j - i) if j - i > 1 else '')\n        i = j\n    return ''.join(out)\n",
    "unclosed parenthesis")
add(0, "incomplete_syntax_structure",
    "    count = 0\n    inside = False\n    for ch in text.lower()\n        if ch in 'aeiou':\n            if not inside:\n"
    "                count += 1\n            inside = True\n        else:\n            inside = False\n    return count\n",
    "missing colon after for")
add(6, "incomplete_syntax_structure",
    "    steps = 0\n    while n >= 10:\n        n = sum(int(d) for d in str(",
    "output cut off mid-statement (max_tokens)")
add(20, "incomplete_syntax_structure",
    "    pa = [int(x) for x in a.split('.)]\n    pb = [int(x) for x in b.split('.')]\n    return (pa > pb) - (pa < pb)\n",
    "unterminated string literal")
add(3, "incomplete_syntax_structure",
    "    if not items:\n        return []\n    k %= len(items)\n    return [items[(i + k) % len(items)] for i in range(len(items))]]\n",
    "unmatched closing bracket")
add(13, "incomplete_syntax_structure",
    "Here is the function:\n\n```python\nfrom typing import List, Tuple\n\ndef merge_intervals(intervals):\n    merged = []\n"
    "    for s, e in sorted(intervals):\n        if merged and s <= merged[-1][1]:\n            merged[-1] = (merged[-1][0], max(merged[-1][1], e))\n"
    "        else:\n            merged.append((s, e))\n    return merged\n```\n",
    "markdown and prose left around the code", ambiguous=True, solution=True)
add(1, "incomplete_syntax_structure",
    "    out = []\n    upper = True\n    for ch in text:\n        if not ch.isalpha():\n            out.append(ch)\n"
    "        else if upper:\n            out.append(ch.upper())\n            upper = False\n        else:\n"
    "            out.append(ch.lower())\n            upper = True\n    return ''.join(out)\n",
    "`else if` instead of `elif`")

# ---- A.2 incorrect indentation --------------------------------------------------------------
add(19, "incorrect_indentation",
    "    factors = []\n    p = 2\n    while p * p <= n:\n        e = 0\n        while n % p == 0:\n            n //= p\n"
    "            e += 1\n      if e:\n            factors.append((p, e))\n        p += 1\n    if n > 1:\n"
    "        factors.append((n, 1))\n    return factors\n",
    "dedent to a level that matches no block")
add(2, "incorrect_indentation",
    "    distinct = sorted(set(numbers))\n        if len(distinct) < 2:\n        return None\n    return distinct[-2]\n",
    "unexpected indent")
add(21, "incorrect_indentation",
    "    best = 0\n    run = 0\n    prev = None\n    for x in numbers:\n        if prev is not None and x > prev:\n"
    "            run += 1\n        else:\n\t    run = 1\n        prev = x\n        best = max(best, run)\n    return best\n",
    "tab and spaces mixed")
add(9, "incorrect_indentation",
    "    total = 0\n    number = ''\n    for ch in text:\n    if ch.isdigit():\n        number += ch\n"
    "    else:\n        total += int(number) * {'h': 3600, 'm': 60, 's': 1}[ch]\n        number = ''\n    return total\n",
    "loop body not indented")
add(5, "incorrect_indentation",
    "result = {}\nfor name, number in mapping.items():\n    result.setdefault(number, []).append(name)\n"
    "for number in result:\n    result[number].sort()\nreturn result\n",
    "body written at column 0, so the return lands outside the function", ambiguous=True)
add(14, "incorrect_indentation",
    "    gaps = []\n    cursor = day_start\n    for start, end in sorted(busy):\n        if start > cursor:\n"
    "        gaps.append((cursor, min(start, day_end)))\n        cursor = max(cursor, end)\n    if cursor < day_end:\n"
    "        gaps.append((cursor, day_end))\n    return [g for g in gaps if g[0] < g[1]]\n",
    "if body at the if's own level")

# ---- A.3 library import error ---------------------------------------------------------------
add(15, "library_import_error",
    "import numpy as np\n\n\ndef polygon_area(vertices):\n    if len(vertices) < 3:\n        return 0.0\n"
    "    x = np.array([v[0] for v in vertices])\n    y = np.array([v[1] for v in vertices])\n"
    "    return float(abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))) / 2)\n",
    "numpy is not installed in the sandbox", solution=True)
add(7, "library_import_error",
    "    result = 1\n    for k in range(2, n + 1):\n        result = result * k // math.gcd(result, k)\n    return result\n",
    "math used without import", ambiguous=True)
add(23, "library_import_error",
    "    words = re.findall(r'[a-z]+', text.lower())\n    counts = {}\n    for w in words:\n        counts[w] = counts.get(w, 0) + 1\n"
    "    return sorted(counts, key=lambda w: (-counts[w], w))[:k]\n",
    "re used without import")
add(4, "library_import_error",
    "    groups = defaultdict(list)\n    for w in words:\n        groups[len(w)].append(w)\n    return dict(groups)\n",
    "defaultdict used without `from collections import defaultdict`", ambiguous=True)
add(8, "library_import_error",
    "    from collections import *\n    stack = deque()\n    pairs = {')': '(', ']': '[', '}': '{'}\n    for ch in text:\n"
    "        if ch in '([{':\n            stack.append(ch)\n        elif ch in pairs:\n"
    "            if not stack or stack.pop() != pairs[ch]:\n                return False\n    return not stack\n",
    "star import inside a function (the paper's example)")
add(11, "library_import_error",
    "    from functools import cache_lru\n\n    @cache_lru(None)\n    def best(a):\n        if a == 0:\n            return 0\n"
    "        options = [best(a - c) for c in coins if c <= a]\n        options = [o for o in options if o >= 0]\n"
    "        return min(options) + 1 if options else -1\n    return best(amount)\n",
    "imports a name functools does not have")
add(9, "library_import_error",
    "    import regex\n    total = 0\n    for number, unit in regex.findall(r'(\\d+)([hms])', text):\n"
    "        total += int(number) * {'h': 3600, 'm': 60, 's': 1}[unit]\n    return total\n",
    "third-party module not available")

# ---- B.1 API misuse -------------------------------------------------------------------------
add(0, "api_misuse",
    "    runs = text.lower().split_vowel_runs()\n    return len(runs)\n",
    "calls a str method that does not exist")
add(3, "api_misuse",
    "    rotated = list(items)\n    rotated.rotate(-k)\n    return rotated\n",
    "list has no rotate (deque has)")
add(13, "api_misuse",
    "    merged = []\n    for start, end in sorted(intervals):\n        if merged and start <= merged[-1][1]:\n"
    "            merged[-1][1] = max(merged[-1][1], end)\n        else:\n            merged.append((start, end))\n    return merged\n",
    "item assignment on a tuple")
add(4, "api_misuse",
    "    groups = {}\n    for w in words:\n        groups.append((len(w), w))\n    return groups\n",
    "dict used like a list")
add(23, "api_misuse",
    "    words = text.split().lower()\n    counts = {}\n    for w in words:\n        counts[w] = counts.get(w, 0) + 1\n"
    "    return sorted(counts, key=lambda w: (-counts[w], w))[:k]\n",
    "lower() called on a list")
add(2, "api_misuse",
    "    distinct = list(set(numbers))\n    ordered = distinct.sort()\n    if len(distinct) < 2:\n        return None\n"
    "    return ordered[-2]\n",
    "list.sort() returns None")
add(10, "api_misuse",
    "    settings = {}\n    for segment in text.split(';'):\n        if not segment.strip():\n            continue\n"
    "        key, value = segment.split('=', 1)\n        settings[key.strip()] = int(value.strip)\n    return settings\n",
    "passes the method instead of calling it", ambiguous=True)

# ---- B.2 definition missing -----------------------------------------------------------------
add(21, "definition_missing",
    "    run = 0\n    prev = None\n    for x in numbers:\n        run = run + 1 if prev is not None and x > prev else 1\n"
    "        prev = x\n        if run > best:\n            best = run\n    return best\n",
    "best is never initialised (UnboundLocalError)")
add(6, "definition_missing",
    "    steps = 0\n    while n >= 10:\n        total = sum(int(d) for d in str(n))\n        n = totl\n        steps += 1\n    return steps\n",
    "typo of a local name")
add(12, "definition_missing",
    "    return count_ways(n, tuple(sorted(steps)))\n",
    "calls a helper it never wrote")
add(18, "definition_missing",
    "def spiral(matrix):\n    out = []\n    while matrix:\n        out += matrix.pop(0)\n"
    "        matrix = [list(row) for row in zip(*matrix)][::-1]\n    return out\n",
    "the entry point spiral_order is never defined", ambiguous=True, solution=True)
add(22, "definition_missing",
    "    rows, cols = len(grid), len(grid[0])\n    for r in range(rows):\n        for c in range(cols):\n"
    "            if (r, c) in self.cache:\n                continue\n    return 0\n",
    "self in a plain function")
add(16, "definition_missing",
    "    seen = {}\n    pairs = 0\n    for x in numbers:\n        pairs += seen.get(target - x, 0)\n"
    "        seen[x] = seen.get(x, 0) + 1\n    return pair_count\n",
    "returns a name never assigned")

# ---- B.3 incorrect boundary condition check -------------------------------------------------
add(2, "incorrect_boundary_condition_check",
    "    return sorted(set(numbers))[-2]\n",
    "IndexError when fewer than two distinct values")
add(21, "incorrect_boundary_condition_check",
    "    runs = []\n    run = 1\n    for i in range(1, len(numbers)):\n        if numbers[i] > numbers[i - 1]:\n            run += 1\n"
    "        else:\n            runs.append(run)\n            run = 1\n    runs.append(run)\n    return max(runs) if numbers[0] is not None else 0\n",
    "numbers[0] on an empty list")
add(5, "incorrect_boundary_condition_check",
    "    result = {}\n    for name in sorted(mapping):\n        result[mapping[name]].append(name)\n    return result\n",
    "KeyError: the list for a new number is never created", ambiguous=True)
add(20, "incorrect_boundary_condition_check",
    "    pa = a.split('.')\n    pb = b.split('.')\n    for i in range(max(len(pa), len(pb))):\n        x, y = int(pa[i]), int(pb[i])\n"
    "        if x != y:\n            return 1 if x > y else -1\n    return 0\n",
    "index past the shorter version")
add(9, "incorrect_boundary_condition_check",
    "    total = 0\n    h = text.index('h')\n    total += int(text[:h]) * 3600\n    return total\n",
    "str.index on a unit that is absent")
add(15, "incorrect_boundary_condition_check",
    "    n = len(vertices)\n    cx = sum(v[0] for v in vertices) / n\n    cy = sum(v[1] for v in vertices) / n\n"
    "    area = 0.0\n    for i in range(n):\n        x1, y1 = vertices[i][0] - cx, vertices[i][1] - cy\n"
    "        x2, y2 = vertices[(i + 1) % n][0] - cx, vertices[(i + 1) % n][1] - cy\n        area += x1 * y2 - x2 * y1\n"
    "    return abs(area) / 2\n",
    "divides by zero on an empty polygon")
add(18, "incorrect_boundary_condition_check",
    "    top, bottom, left, right = 0, len(matrix) - 1, 0, len(matrix[0]) - 1\n    out = []\n"
    "    while top <= bottom and left <= right:\n        out += matrix[top][left:right + 1]\n        top += 1\n"
    "        out += [matrix[r][right] for r in range(top, bottom + 1)]\n        right -= 1\n"
    "        if top <= bottom:\n            out += matrix[bottom][left:right + 1][::-1]\n            bottom -= 1\n"
    "        if left <= right:\n            out += [matrix[r][left] for r in range(bottom, top - 1, -1)]\n            left += 1\n"
    "    return out\n",
    "matrix[0] on an empty matrix")

# ---- B.4 incorrect argument -----------------------------------------------------------------
add(3, "incorrect_argument",
    "    if not items:\n        return []\n    if k < 0:\n        return rotate_left(items, len(items) + k)\n"
    "    if k >= len(items):\n        return rotate_left(items)\n    return items[k:] + items[:k]\n",
    "recursive call misses an argument")
add(19, "incorrect_argument",
    "    factors = []\n    for p in range(2, n ** 0.5 + 1):\n        e = 0\n        while n % p == 0:\n            n //= p\n"
    "            e += 1\n        if e:\n            factors.append((p, e))\n    if n > 1:\n        factors.append((n, 1))\n    return factors\n",
    "float passed to range")
add(9, "incorrect_argument",
    "    total = 0\n    for part in text.replace('h', 'h ').replace('m', 'm ').replace('s', 's ').split():\n"
    "        total += int(part) * {'h': 3600, 'm': 60, 's': 1}[part[-1]]\n    return total\n",
    "int() given the unit letter too")
add(20, "incorrect_argument",
    "def compare_versions(versions):\n    a, b = versions\n    pa = [int(x) for x in a.split('.')]\n    pb = [int(x) for x in b.split('.')]\n"
    "    n = max(len(pa), len(pb))\n    pa += [0] * (n - len(pa))\n    pb += [0] * (n - len(pb))\n    return (pa > pb) - (pa < pb)\n",
    "entry point takes one tuple instead of two strings", ambiguous=True, solution=True)
add(23, "incorrect_argument",
    "    counts = {}\n    for w in ''.join(c if c.isalpha() else ' ' for c in text.lower()).split():\n"
    "        counts[w] = counts.get(w, 0) + 1\n    ranked = sorted(counts, key=lambda w: (-counts[w], w), reversed=True)\n"
    "    return ranked[:k]\n",
    "invalid keyword argument to sorted", ambiguous=True)
add(17, "incorrect_argument",
    "    parts = []\n    i = 0\n    while i < len(text):\n        j = i\n        while j < len(text) and text[j] == text[i]:\n            j += 1\n"
    "        parts.append(text[i])\n        if j - i > 1:\n            parts.append(j - i)\n        i = j\n    return ''.join(parts)\n",
    "join given an int")
add(10, "incorrect_argument",
    "    settings = {}\n    for segment in text.split(';'):\n        if segment.strip():\n"
    "            key, value = segment.split('=', 1, 2)\n            settings[key.strip()] = int(value)\n    return settings\n",
    "str.split given too many arguments")

# ---- B.5 runtime minors ---------------------------------------------------------------------
add(3, "runtime_minors",
    "    result = list(items)\n    while k != 0:\n        result = result[1:] + result[:1]\n        k -= 1\n    return result\n",
    "never terminates for negative k", ambiguous=True)
add(6, "runtime_minors",
    "    if n < 10:\n        return 0\n    return 1 + digit_sum_steps(n)\n",
    "recursion never shrinks n", ambiguous=True)
add(2, "runtime_minors",
    "    distinct = sorted(set(numbers))\n    if len(distinct) < 2:\n        raise ValueError('need two distinct values')\n"
    "    return distinct[-2]\n",
    "raises instead of returning None", ambiguous=True)
add(10, "runtime_minors",
    "    settings = {}\n    for segment in text.split(';'):\n        assert '=' in segment, 'bad segment'\n"
    "        key, value = segment.split('=', 1)\n        settings[key.strip()] = int(value)\n    return settings\n",
    "its own assert rejects an empty segment", ambiguous=True)
add(9, "runtime_minors",
    "    prefix = input()\n    total = 0\n    number = ''\n    for ch in text:\n        if ch.isdigit():\n            number += ch\n"
    "        else:\n            total += int(number) * {'h': 3600, 'm': 60, 's': 1}[ch]\n            number = ''\n    return total\n",
    "reads stdin (EOFError in the sandbox)")
add(4, "runtime_minors",
    "    table = [None] * (10 ** 10)\n    for w in words:\n        table[len(w)].append(w)\n"
    "    return {n: ws for n, ws in enumerate(table) if ws}\n",
    "allocates far too much memory", ambiguous=True)
add(13, "runtime_minors",
    "    import sys\n    if not intervals:\n        sys.exit(0)\n    merged = []\n    for start, end in sorted(intervals):\n"
    "        if merged and start <= merged[-1][1]:\n            merged[-1] = (merged[-1][0], max(merged[-1][1], end))\n"
    "        else:\n            merged.append((start, end))\n    return merged\n",
    "exits the interpreter on empty input")

# ---- C.1 misunderstanding and logic error ---------------------------------------------------
add(0, "misunderstanding_and_logic_error",
    "    return sum(1 for ch in text.lower() if ch in 'aeiou')\n",
    "counts vowels, not runs of vowels")
add(20, "misunderstanding_and_logic_error",
    "    if a == b:\n        return 0\n    return 1 if a > b else -1\n",
    "compares versions as strings")
add(11, "misunderstanding_and_logic_error",
    "    count = 0\n    for c in sorted(coins, reverse=True):\n        count += amount // c\n        amount %= c\n"
    "    return count if amount == 0 else -1\n",
    "greedy instead of dynamic programming", ambiguous=True)
add(14, "misunderstanding_and_logic_error",
    "    gaps = []\n    cursor = day_start\n    for start, end in busy:\n        if start > cursor:\n"
    "            gaps.append((cursor, start))\n        cursor = end\n    if cursor < day_end:\n        gaps.append((cursor, day_end))\n    return gaps\n",
    "ignores unsorted and overlapping busy periods")
add(1, "misunderstanding_and_logic_error",
    "    return ''.join(ch.upper() if i % 2 == 0 else ch.lower() for i, ch in enumerate(text))\n",
    "alternates on every character, not only letters", ambiguous=True)
add(22, "misunderstanding_and_logic_error",
    "    r = c = 0\n    total = grid[0][0]\n    rows, cols = len(grid), len(grid[0])\n    while r < rows - 1 or c < cols - 1:\n"
    "        if r == rows - 1:\n            c += 1\n        elif c == cols - 1:\n            r += 1\n"
    "        elif grid[r + 1][c] < grid[r][c + 1]:\n            r += 1\n        else:\n            c += 1\n        total += grid[r][c]\n"
    "    return total\n",
    "greedy path instead of dynamic programming")
add(5, "misunderstanding_and_logic_error",
    "    result = {}\n    for name, number in mapping.items():\n        result.setdefault(number, []).append(name)\n    return result\n",
    "ignores that the name lists must be sorted", ambiguous=True)
add(8, "misunderstanding_and_logic_error",
    "    return text.count('(') == text.count(')') and text.count('[') == text.count(']') "
    "and text.count('{') == text.count('}')\n",
    "counts brackets instead of checking nesting")

# ---- C.2 hallucination ----------------------------------------------------------------------
add(12, "hallucination", "    pass\n", "stub body")
add(19, "hallucination", "    raise NotImplementedError\n", "placeholder that raises")
add(10, "hallucination", "    # parse the settings string\n    return {}\n", "constant result, text never read")
add(23, "hallucination", "    \"\"\"TODO: implement.\"\"\"\n", "docstring-only body")
add(4, "hallucination", "    # group the words by their length\n    # and keep their order\n", "comments only")
add(8, "hallucination", "    return True\n", "always True", ambiguous=True)
add(18, "hallucination",
    "def spiral_order(matrix):\n    \"\"\"Transpose the matrix.\"\"\"\n    return [list(row) for row in zip(*matrix)]\n",
    "solves a different problem (transpose)", ambiguous=True, solution=True)

# ---- C.3 input/output format error ----------------------------------------------------------
add(1, "input_output_format_error",
    "    out = ''\n    upper = True\n    for ch in text:\n        if ch.isalpha():\n            out += ch.upper() if upper else ch.lower()\n"
    "            upper = not upper\n        else:\n            out += ch\n    print(out)\n",
    "prints instead of returning")
add(19, "input_output_format_error",
    "    factors = []\n    p = 2\n    while p * p <= n:\n        e = 0\n        while n % p == 0:\n            n //= p\n            e += 1\n"
    "        if e:\n            factors.append([p, e])\n        p += 1\n    if n > 1:\n        factors.append([n, 1])\n    return factors\n",
    "lists instead of tuples")
add(6, "input_output_format_error",
    "    steps = 0\n    while n >= 10:\n        n = sum(int(d) for d in str(n))\n        steps += 1\n    return str(steps)\n",
    "returns a string")
add(13, "input_output_format_error",
    "    merged = []\n    for start, end in sorted(intervals):\n        if merged and start <= merged[-1][1]:\n"
    "            merged[-1][1] = max(merged[-1][1], end)\n        else:\n            merged.append([start, end])\n    return merged\n",
    "lists instead of tuples")
add(23, "input_output_format_error",
    "    counts = {}\n    for w in ''.join(c if c.isalpha() else ' ' for c in text).split():\n        key = w.upper()\n"
    "        counts[key] = counts.get(key, 0) + 1\n    return sorted(counts, key=lambda w: (-counts[w], w))[:k]\n",
    "upper case instead of lower case")
add(17, "input_output_format_error",
    "    out = ''\n    i = 0\n    while i < len(text):\n        j = i\n        while j < len(text) and text[j] == text[i]:\n            j += 1\n"
    "        out += text[i] + (str(j - i) if j - i > 1 else '')\n        i = j\n    return out + '\\n'\n",
    "trailing newline")
add(7, "input_output_format_error",
    "    result = 1\n    for k in range(2, n + 1):\n        a, b = result, k\n        while b:\n            a, b = b, a % b\n"
    "        result = result * k // a\n    return float(result)\n",
    "float result loses big-integer precision", ambiguous=True)

# ---- C.4 functional minors ------------------------------------------------------------------
add(21, "functional_minors",
    "    best = 0\n    run = 0\n    prev = None\n    for x in numbers:\n        run = run + 1 if prev is not None and x > prev else 0\n"
    "        prev = x\n        best = max(best, run)\n    return best\n",
    "run restarts at 0 instead of 1 (wrong initial value)")
add(6, "functional_minors",
    "    steps = 1\n    while n >= 10:\n        n = sum(int(d) for d in str(n))\n        steps += 1\n    return steps\n",
    "counter starts at 1")
add(16, "functional_minors",
    "    count = 0\n    for i in range(len(numbers)):\n        for j in range(i + 1, len(numbers)):\n"
    "            if numbers[i] + numbers[j] == target:\n                count += 1\n    return count\n",
    "correct but quadratic: too slow for the large inputs", ambiguous=True)
add(7, "functional_minors",
    "    result = 1\n    for k in range(2, n):\n        a, b = result, k\n        while b:\n            a, b = b, a % b\n"
    "        result = result * k // a\n    return result\n",
    "range stops one short", ambiguous=True)
add(9, "functional_minors",
    "    total = 0\n    number = ''\n    for ch in text:\n        if ch.isdigit():\n            number += ch\n"
    "        else:\n            total += int(number) * {'h': 3600, 'm': 6, 's': 1}[ch]\n            number = ''\n    return total\n",
    "typo: 6 seconds per minute", ambiguous=True)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "Problems", "taxonomy-corpus.jsonl")
    with open(path, "w") as out:
        for line in S:
            out.write(json.dumps(line) + "\n")
    print("wrote %d samples to %s" % (len(S), os.path.normpath(path)))


if __name__ == "__main__":
    main()
