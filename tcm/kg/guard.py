r"""The read-only guard every researcher query passes before it reaches a graph engine.

Why a lexer and not a word list: a word list at the start of the query let ``/**/ COPY … TO``
and a clause after ``MATCH … WITH`` through. Here the query is tokenised the way both engines
read it (strings with both quotes and backslash escapes, backtick names, ``//`` and ``/* */``
comments), and then:

* only read clauses may appear (MATCH, OPTIONAL MATCH, WHERE, WITH, UNWIND, RETURN, ORDER BY,
  SKIP, LIMIT, UNION [ALL], EXISTS/COUNT subqueries); every write, file, extension, setting,
  schema, transaction or admin keyword is refused wherever it stands, naming the clause;
* a function call must name a read-only function of the allow-list, a ``CALL`` a read-only
  procedure of the allow-list (never ``CALL {…}`` or ``CALL name=value``);
* one statement only, a length and a nesting bound, no control characters, no non-ASCII letters
  outside quotes (look-alike letters cannot spell a keyword the guard does not see).

The text sent to the engine is rebuilt from the tokens: comments become a space, unicode spaces
an ASCII space and a string with ``\u`` escapes is re-quoted without them, so the engine reads
exactly what the guard checked. Words inside strings, comments, backtick names, property keys, labels and map
keys never cause a refusal. For the embedded store, Neo4j's standard functions are translated
(``type(r)`` → ``label(r)``, ``labels(n)`` → ``[label(n)]`` …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tcm.errors import QueryRefused

#: What a refusal lists as allowed.
ALLOWED = "MATCH, OPTIONAL MATCH, WHERE, WITH, UNWIND, RETURN, ORDER BY, SKIP, LIMIT, UNION [ALL]"
START = {"MATCH", "OPTIONAL", "WITH", "UNWIND", "RETURN", "CALL"}
MAX_DEPTH = 40

# Words refused wherever they stand as a bare word; the value names the clause in the message
# (the next word decides between several: LOAD EXTENSION vs LOAD CSV vs LOAD FROM).
DENY = {
    "CREATE": "CREATE", "MERGE": "MERGE", "SET": "SET", "DELETE": "DELETE", "DETACH": "DETACH",
    "REMOVE": "REMOVE", "DROP": "DROP", "ALTER": "ALTER", "RENAME": "RENAME", "LOAD": "LOAD", "COPY": "COPY",
    "EXPORT": "EXPORT", "IMPORT": "IMPORT", "ATTACH": "ATTACH", "INSTALL": "INSTALL", "UNINSTALL": "UNINSTALL",
    "UPDATE": "UPDATE", "EXTENSION": "EXTENSION", "FOREACH": "FOREACH", "USE": "USE", "BEGIN": "BEGIN",
    "COMMIT": "COMMIT", "ROLLBACK": "ROLLBACK", "TRANSACTION": "TRANSACTION", "TRANSACTIONS": "TRANSACTIONS",
    "CHECKPOINT": "CHECKPOINT", "MACRO": "MACRO", "EXPLAIN": "EXPLAIN", "PROFILE": "PROFILE", "SHOW": "SHOW",
    "GRANT": "GRANT", "REVOKE": "REVOKE", "DENY": "DENY", "START": "START", "STOP": "STOP",
    "TERMINATE": "TERMINATE", "ENABLE": "ENABLE", "DISABLE": "DISABLE", "PERIODIC": "PERIODIC",
    "INSERT": "INSERT", "TRUNCATE": "TRUNCATE", "PRAGMA": "PRAGMA", "VACUUM": "VACUUM", "DATABASE": "DATABASE",
    "PROJECT": "PROJECT", "SEQUENCE": "SEQUENCE",
}
_SECOND = {"LOAD": {"CSV", "FROM", "EXTENSION", "WITH"}, "DETACH": {"DELETE", "DATABASE"},
           "CREATE": {"MACRO", "DATABASE", "INDEX", "CONSTRAINT", "USER", "ROLE", "SEQUENCE"},
           "DROP": {"DATABASE", "INDEX", "CONSTRAINT", "TABLE", "MACRO"}, "BEGIN": {"TRANSACTION"},
           "EXPORT": {"DATABASE"}, "IMPORT": {"DATABASE"}, "PROJECT": {"GRAPH"}}

# Words a '(' may follow without being a function call.
_PAREN_KEYWORDS = {"MATCH", "OPTIONAL", "WHERE", "WITH", "UNWIND", "RETURN", "ORDER", "BY", "SKIP", "LIMIT",
                   "UNION", "AS", "DISTINCT", "AND", "OR", "XOR", "NOT", "IN", "IS", "CASE", "WHEN", "THEN",
                   "ELSE", "END", "CONTAINS", "STARTS", "ENDS", "YIELD", "ASC", "DESC", "ASCENDING",
                   "DESCENDING", "OFFSET", "FILTER", "LET"}

#: Read-only functions (lower case) of Neo4j 5 and LadybugDB; anything else is refused.
FUNCTIONS = frozenset("""
abs acos all any asin atan atan2 avg ceil ceiling char_length character_length coalesce collect cos cot count
count_if degrees e elementid endnode exists exp floor haversin head id isempty isnan keys labels last left length
log log10 ltrim max min nodes none percentilecont percentiledisc pi point properties radians rand randomuuid range
reduce relationships replace reverse right round rtrim sign sin single size split sqrt startnode stdev stdevp
substring sum tail tan timestamp toboolean tofloat tointeger tolower tostring toupper trim type valuetype
tobooleanornull tofloatornull tointegerornull tostringornull btrim lower upper normalize shortestpath
allshortestpaths date datetime localdatetime localtime time duration date.truncate datetime.truncate
duration.between duration.inmonths duration.indays duration.inseconds point.distance point.withinbbox
datetime.fromepoch datetime.fromepochmillis
array_append array_cat array_concat array_contains array_cosine_similarity array_distance array_dot_product
array_extract array_has array_indexof array_inner_product array_position array_prepend array_slice
array_squared_distance array_value bitwise_and bitwise_or bitwise_xor cardinality cast cbrt century concat
concat_ws contains count_star current_date current_timestamp date_part date_trunc datepart datetrunc dayname
element_at end_node ends_with epoch_ms even factorial gamma greatest hash ifnull initcap internal_id is_acyclic
is_trail label lcase least levenshtein lgamma list_any_value list_append list_cat list_concat list_contains
list_distinct list_element list_extract list_filter list_has list_has_all list_has_any list_indexof list_max
list_min list_position list_prepend list_product list_reduce list_reverse list_reverse_sort list_slice list_sort
list_sum list_to_string list_transform list_unique ln log2 lpad make_date map map_extract map_keys map_values md5
monthname nullif octet_length offset pow prefix regexp_extract regexp_extract_all regexp_full_match
regexp_matches regexp_replace regexp_split_to_array rels repeat rpad sha256 split_part start_node starts_with
str_split string string_split string_to_array struct_extract struct_pack substr suffix to_bool to_date to_days
to_double to_epoch_ms to_float to_hours to_int16 to_int32 to_int64 to_int8 to_interval to_microseconds
to_milliseconds to_minutes to_months to_seconds to_string to_timestamp to_uint16 to_uint32 to_uint64 to_uint8
to_years typeof ucase upper
""".split())

#: Read-only procedures (lower case) a ``CALL`` may name.
PROCEDURES = frozenset("""
db.labels db.relationshiptypes db.propertykeys db.schema.visualization db.schema.nodetypeproperties
db.schema.reltypeproperties show_tables table_info show_functions show_indexes db_version
""".split())

#: Embedded (LadybugDB) spellings of Neo4j's functions: simple renames.
EMBEDDED_RENAMES = {"type": "label", "tointeger": "to_int64", "tofloat": "to_double", "tostring": "string",
                    "toboolean": "to_bool", "startnode": "start_node", "endnode": "end_node"}
#: Neo4j functions the embedded store lacks, with what to write there instead.
EMBEDDED_MISSING = {
    "head": "list_extract(list, 1) (lists count from 1 here)",
    "last": "list_extract(list, size(list))",
    "tail": "list_slice(list, 2, size(list))",
    "split": "string_split(text, sep)",
    "randomuuid": "gen_random_uuid() is not allowed; no equivalent",
}

_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


@dataclass(frozen=True)
class Token:
    kind: str  # word, string, name (backtick), number, param, punct, space
    text: str  # what is sent to the engine
    pos: int


@dataclass(frozen=True)
class Checked:
    """A query the guard let through: the text to run (dialect applied) and what was found."""

    text: str
    statement: str  # the first clause, for logs


def refuse(message: str) -> QueryRefused:
    return QueryRefused(message)


_LEX = re.compile(r"""
    (?P<space>\s+)
  | (?P<line>//[^\n\r]*)
  | (?P<block>/\*.*?\*/)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<name>`[^`]*`)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>0[xX][0-9a-fA-F]+|0o[0-7]+|[0-9]+(?:_[0-9]+)*(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<param>\$[A-Za-z0-9_]+)
  | (?P<punct><>|<=|>=|=~|\.\.|->|<-|!=|\+=|[()\[\]{},.:;|+\-*/%^=<>!&?])
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)
_NEWLINES = re.compile("[\n\r\u2028\u2029\x85]")


def tokenize(text: str) -> list[Token]:
    """Tokens of ``text``; comments become a 'space' token, so nothing inside one is ever read."""
    out: list[Token] = []
    append = out.append
    n = len(text)
    for m in _LEX.finditer(text):
        kind, i, j = m.lastgroup, m.start(), m.end()
        if kind == "space":
            append(Token("space", "\n" if _NEWLINES.search(text, i, j) else " ", i))
        elif kind in ("line", "block"):
            append(Token("space", " ", i))
        elif kind == "word" or kind == "number" or kind == "param":
            if j < n and (text[j].isalnum() or text[j] == "_"):
                if kind == "number":
                    raise refuse(f"a number runs into a name at character {i + 1} ({text[i : j + 1]!r}); "
                                 "add a space")
                bad = text[j]
                raise refuse(f"non-ASCII letter {bad!r} (U+{ord(bad):04X}) in {text[i : j + 1]!r} outside quotes; "
                             "put names in `backticks` and text in quotes")
            append(Token(kind, m.group(), i))
        elif kind == "punct":
            append(Token("punct", m.group(), i))
        elif kind == "string":
            raw = m.group()
            value = _string(text, i)[0] if "\\" in raw else raw[1:-1]
            canonical = _quote(value)
            # as written (column names stay the same) unless it holds \u escapes, which engines may read early
            append(Token("string", canonical if "\\u" in raw or "\\U" in raw else raw, i))
        elif kind == "name":
            name = m.group()[1:-1]
            if not name or any(c == "\\" or ord(c) < 32 for c in name):
                raise refuse(f"a `name` may not be empty or hold a backslash or control character (character {i + 1})")
            if j < n and text[j] == "`":
                raise refuse(f"a backtick inside a `name` is not supported (character {j + 1})")
            append(Token("name", m.group(), i))
        else:  # 'other': the start of something unterminated, or a character no query needs
            ch = text[i]
            if text.startswith("/*", i):
                raise refuse(f"unterminated /* comment at character {i + 1}")
            if ch in "'\"":
                _string(text, i)  # raises, naming what is wrong (an escape, or no closing quote)
                raise refuse(f"unterminated string at character {i + 1}")
            if ch == "`":
                raise refuse(f"unterminated `name` at character {i + 1}")
            if ch == "$":
                raise refuse(f"a parameter is $name (character {i + 1})")
            what = f"U+{ord(ch):04X}" if not ch.isprintable() or not ch.isascii() else repr(ch)
            raise refuse(f"unexpected character {what} at character {i + 1} outside quotes")
    return out


def _string(text: str, i: int) -> tuple[str, int]:
    """The value of the string literal starting at ``i`` and the index after it."""
    quote, j, n, buf = text[i], i + 1, len(text), []
    while j < n:
        c = text[j]
        if c == quote:
            return "".join(buf), j + 1
        if c == "\\":
            if j + 1 >= n:
                break
            e = text[j + 1]
            if e in _ESCAPES:
                buf.append(_ESCAPES[e])
                j += 2
            elif e in "uU":
                width = 4 if e == "u" else 8
                digits = text[j + 2 : j + 2 + width]
                if len(digits) != width or any(d not in "0123456789abcdefABCDEF" for d in digits):
                    raise refuse(f"bad \\{e} escape in the string at character {i + 1}")
                buf.append(chr(int(digits, 16)))
                j += 2 + width
            else:
                raise refuse(f"unknown escape \\{e} in the string at character {i + 1}")
            continue
        buf.append(c)
        j += 1
    raise refuse(f"unterminated string at character {i + 1}")


def _quote(value: str) -> str:
    """A single-quoted literal both engines read back as ``value``."""
    for c in value:
        if ord(c) < 32 and c not in "\n\t\r" or c in "\x7f\u2028\u2029":
            raise refuse(f"control character U+{ord(c):04X} inside a string")
    body = (value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
            .replace("\t", "\\t"))
    return f"'{body}'"


def check(cypher: str, *, dialect: str = "neo4j", max_length: int = 20_000) -> Checked:
    """The query rebuilt for ``dialect`` ('neo4j' or 'embedded'); raises QueryRefused naming what is not allowed."""
    if len(cypher) > max_length:
        raise refuse(f"query is {len(cypher):,} characters; the limit is {max_length:,}")
    if "\x00" in cypher:
        raise refuse("NUL character in the query")
    toks = tokenize(cypher)
    sig = [k for k, t in enumerate(toks) if t.kind != "space"]
    if not sig:
        raise refuse("empty query")
    # one statement: a ';' may only end the text
    for pos, k in enumerate(sig):
        if toks[k].text == ";":
            if pos != len(sig) - 1:
                raise refuse("more than one statement: one query at a time, without ';' between statements")
            toks = toks[:k]
            sig = sig[:-1]
            if not sig:
                raise refuse("empty query")
            break
    first = toks[sig[0]]
    if first.kind != "word" or first.text.upper() not in START:
        shown = first.text.upper() if first.kind == "word" else first.text
        if first.kind == "word" and shown in DENY:
            raise refuse(_not_allowed(toks, sig, 0))
        raise refuse(f"a read-only query starts with MATCH, OPTIONAL MATCH, WITH, UNWIND, RETURN or CALL "
                     f"<procedure>; found {shown[:40]}")
    stack: list[str] = []
    for pos, k in enumerate(sig):
        t = toks[k]
        if t.kind == "punct":
            if t.text in "([{":
                stack.append(t.text)
                if len(stack) > MAX_DEPTH:
                    raise refuse(f"nested more than {MAX_DEPTH} levels deep")
            elif t.text in ")]}":
                if not stack or "([{"[")]}".index(t.text)] != stack[-1]:
                    raise refuse(f"unbalanced {t.text!r} at character {t.pos + 1}")
                stack.pop()
            continue
        if t.kind not in ("word", "name"):
            continue
        prev = toks[sig[pos - 1]].text if pos else ""
        nxt = toks[sig[pos + 1]].text if pos + 1 < len(sig) else ""
        up = t.text.upper()
        if prev == "." and (pos < 2 or not (toks[sig[pos - 2]].kind in ("word", "name", "param")
                                            or toks[sig[pos - 2]].text in (")", "]", "}"))):
            prev = ""  # '1.SET': not a property key, so read as a word
        if t.kind == "word" and prev != ".":
            if prev == ":" and stack and stack[-1] in "([":
                continue  # label or relationship type
            if nxt == ":" and stack and stack[-1] == "{":
                continue  # map key
            if up in DENY:
                raise refuse(_not_allowed(toks, sig, pos))
            if up == "CALL":
                _check_call(toks, sig, pos)
                continue
        if nxt == "(" and (t.kind == "name" or prev == "." or up not in _PAREN_KEYWORDS):
            name, start = _dotted(toks, sig, pos)  # a function call (or a CALL's procedure, checked there)
            if not (start > 0 and toks[sig[start - 1]].text.upper() == "CALL") and name.lower() not in FUNCTIONS:
                raise refuse(f"function {name}() is not on the read-only allow-list")
    if stack:
        raise refuse(f"unclosed {stack[-1]!r}")
    if dialect == "embedded":
        toks = _embedded(_alias_translated(toks))
    text = "".join(t.text for t in toks).strip()
    return Checked(text=text, statement=first.text.upper())


def _not_allowed(toks: list[Token], sig: list[int], pos: int) -> str:
    up = toks[sig[pos]].text.upper()
    clause = DENY[up]
    if pos + 1 < len(sig):
        nxt = toks[sig[pos + 1]].text.upper()
        if nxt in _SECOND.get(up, ()):
            clause = f"{up} {nxt}"
    return (f"not allowed in a read-only query: {clause} (allowed: {ALLOWED} and read-only functions; "
            "a name that is a keyword goes in `backticks`)")


def _check_call(toks: list[Token], sig: list[int], pos: int) -> None:
    if pos + 1 >= len(sig):
        raise refuse("CALL needs a procedure")
    nxt = toks[sig[pos + 1]]
    if nxt.text == "{":
        raise refuse("not allowed in a read-only query: CALL { … } subquery (use EXISTS { … } or COUNT { … })")
    if nxt.kind not in ("word", "name"):
        raise refuse(f"not allowed in a read-only query: CALL {nxt.text[:40]}")
    name, end = _dotted_forward(toks, sig, pos + 1)
    after = toks[sig[end]].text if end < len(sig) else ""
    if after == "=" or (end < len(sig) and toks[sig[end]].text in ("+=",)):
        raise refuse(f"not allowed in a read-only query: CALL {name}=… (changes a setting)")
    if name.lower() not in PROCEDURES:
        raise refuse(f"not allowed in a read-only query: CALL {name} (read-only procedures: "
                     f"{', '.join(sorted(PROCEDURES))})")
    if after != "(":
        raise refuse(f"CALL {name} needs its arguments in parentheses: CALL {name}()")


def _dotted(toks: list[Token], sig: list[int], pos: int) -> tuple[str, int]:
    """The dotted name ending at word ``pos`` (``db.schema.visualization``) and the position of its first word."""
    parts, p = [_bare(toks[sig[pos]])], pos
    while p >= 2 and toks[sig[p - 1]].text == "." and toks[sig[p - 2]].kind in ("word", "name"):
        p -= 2
        parts.insert(0, _bare(toks[sig[p]]))
    return ".".join(parts), p


def _dotted_forward(toks: list[Token], sig: list[int], pos: int) -> tuple[str, int]:
    """The dotted name starting at word ``pos`` and the position after it."""
    parts, p = [_bare(toks[sig[pos]])], pos + 1
    while p + 1 < len(sig) and toks[sig[p]].text == "." and toks[sig[p + 1]].kind in ("word", "name"):
        parts.append(_bare(toks[sig[p + 1]]))
        p += 2
    return ".".join(parts), p


def _bare(t: Token) -> str:
    return t.text[1:-1] if t.kind == "name" else t.text


def _embedded(toks: list[Token]) -> list[Token]:
    """Neo4j's standard functions in LadybugDB's spelling; ones it lacks are refused with what to write."""
    out = list(toks)
    k = 0
    while k < len(out):
        t = out[k]
        nxt = _next_sig(out, k)
        prev = _prev_sig(out, k)
        if t.kind != "word" or nxt is None or out[nxt].text != "(" or (prev is not None and out[prev].text == "."):
            k += 1
            continue
        low = t.text.lower()
        if low in EMBEDDED_MISSING:
            raise refuse(f"{t.text}() does not exist on the embedded store; use {EMBEDDED_MISSING[low]}")
        if low in EMBEDDED_RENAMES:
            out[k] = Token("word", EMBEDDED_RENAMES[low], t.pos)
        elif low in ("labels", "elementid"):
            close = _matching(out, nxt)
            after = _next_sig(out, close)
            idx = [_next_sig(out, after)] if after is not None and out[after].text == "[" else []
            if low == "labels" and idx and idx[0] is not None and out[idx[0]].text == "0":
                end = _next_sig(out, idx[0])
                if end is not None and out[end].text == "]":  # labels(n)[0] → label(n)
                    out[k] = Token("word", "label", t.pos)
                    del out[after : end + 1]
                    k += 1
                    continue
            if low == "labels":  # a list, as on Neo4j
                out[close : close + 1] = [out[close], Token("punct", "]", out[close].pos)]
                out[k : k + 1] = [Token("punct", "[", t.pos), Token("word", "label", t.pos)]
                k += 2
                continue
            out[close : close + 1] = [out[close], Token("punct", ")", out[close].pos)]  # elementId(n) → string(id(n))
            out[k : k + 1] = [Token("word", "string", t.pos), Token("punct", "(", t.pos), Token("word", "id", t.pos)]
            k += 3
            continue
        k += 1
    return out


def _alias_translated(toks: list[Token]) -> list[Token]:
    """``RETURN type(r)`` → ``RETURN type(r) AS `type(r)```: the column keeps the name Neo4j gives it."""
    translated = set(EMBEDDED_RENAMES) | {"labels", "elementid", "keys", "id"}
    items: list[tuple[int, int]] = []
    depth, start = 0, None
    for i, t in enumerate(toks):
        if t.kind == "punct" and t.text in "([{":
            depth += 1
        elif t.kind == "punct" and t.text in ")]}":
            depth -= 1
        if depth or t.kind == "space":
            continue
        up = t.text.upper() if t.kind == "word" else t.text
        if t.kind == "word" and up == "RETURN":
            start = i + 1
        elif start is not None and t.kind == "word" and up == "DISTINCT" and all(
                x.kind == "space" for x in toks[start:i]):
            start = i + 1
        elif start is not None and (up == "," or (t.kind == "word" and up in ("ORDER", "SKIP", "LIMIT", "UNION"))):
            items.append((start, i))
            start = i + 1 if up == "," else None
    if start is not None:
        items.append((start, len(toks)))
    out = list(toks)
    for a, b in reversed(items):
        sig = [k for k in range(a, b) if toks[k].kind != "space"]
        if not sig or any(toks[k].kind == "word" and toks[k].text.upper() == "AS" for k in sig):
            continue
        calls = any(toks[k].kind == "word" and toks[k].text.lower() in translated and j + 1 < len(sig)
                    and toks[sig[j + 1]].text == "(" and (j == 0 or toks[sig[j - 1]].text != ".")
                    for j, k in enumerate(sig))
        text = "".join(t.text for t in toks[sig[0] : sig[-1] + 1])
        if calls and "`" not in text:
            out[sig[-1] + 1 : sig[-1] + 1] = [Token("space", " ", 0), Token("word", "AS", 0), Token("space", " ", 0),
                                            Token("name", f"`{text}`", 0)]
    return out


def _next_sig(toks: list[Token], k: int) -> int | None:
    for j in range(k + 1, len(toks)):
        if toks[j].kind != "space":
            return j
    return None


def _prev_sig(toks: list[Token], k: int) -> int | None:
    for j in range(k - 1, -1, -1):
        if toks[j].kind != "space":
            return j
    return None


def _matching(toks: list[Token], k: int) -> int:
    depth = 0
    for j in range(k, len(toks)):
        if toks[j].kind == "punct" and toks[j].text in "([{":
            depth += 1
        elif toks[j].kind == "punct" and toks[j].text in ")]}":
            depth -= 1
            if depth == 0:
                return j
    raise refuse("unbalanced parentheses")
