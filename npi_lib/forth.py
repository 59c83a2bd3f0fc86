"""A small Forth, the stack machine of lesson 01: a data stack, a return stack and a dictionary of words.

    >>> forth = Forth()
    >>> forth.run(": SQUARE  DUP * ;  7 SQUARE .")
    '49 '
    >>> forth.run("1 2 3 .S")
    '<3> 1 2 3 '
    >>> forth.stack
    [1, 2, 3]
    >>> print(format_tree(forth.trace("SQUARE")))
    main
      SQUARE
        DUP
        *
        ;  ⏎

How it works. The *outer interpreter* reads the source one word at a time: it pushes a number, or looks the
word up and executes it. `:` switches to compiling: the words up to `;` become a list of `Op`s (literals,
calls, primitives, and branches whose jump targets are resolved at compile time), stored as a `Definition`.
The *inner interpreter* runs a definition's ops with an explicit return stack: a call pushes a
`ReturnAddress` and jumps into the callee, `;` (or EXIT) pops it and jumps back, and `DO` keeps the loop
limit and index there, as in a real Forth. It is a loop, not Python recursion: recursion depth is limited by
`rstack_limit`, never by Python.

A trace (`Forth.trace`) is the tree of words executed: a user-defined word is a call step whose children are
the words of its body, everything else is a leaf. Each step's `state` is a `ForthState`, the stacks after it.
A step's `pos` is its token index in the traced source (see `tokenize`); steps inside a word compiled by an
earlier `run` have `pos` None, since their tokens are in that earlier source.

Semantics follow Forth-2012, with these differences, all on purpose:

- numbers are Python ints of any size; a real Forth's cells are 64 bits and wrap around. So `0 5 DO ... LOOP`
  (start past the limit) runs until the step limit, where a real Forth wraps around after 2**64 steps;
- `/`, `MOD` and `/MOD` are floored, like Python's `//` and `%` (Forth-2012 lets a system choose floored or
  symmetric division; gforth floors too);
- `run` is all or nothing: if it fails, the stacks and the dictionary are left as they were before it, and
  the `ForthError` carries what was printed before the error in `error.output` (and, from `trace`, the
  steps up to the error in `error.trace`);
- a definition must end in the `run` that starts it; control words (`IF`, `DO`, `I`, `>R`, ...) and `EXIT`
  and `RECURSE` are compile-only and cannot be redefined; there is no memory (`VARIABLE`, `@`, `!`) and no
  strings (`."`).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

from .errors import ForthError
from .trace import Step, Trace, format_tree  # noqa: F401  (format_tree: for the examples)

TRUE, FALSE = -1, 0  # Forth's flags: all bits set, no bit set


def _flag(condition: bool) -> int:
    return TRUE if condition else FALSE


class _Fault(Exception):
    """A built-in word refused its arguments; the interpreter adds the word and its position."""


def _dot(n: int) -> str:
    try:
        return f"{n} "
    except ValueError:  # Python's guard against converting huge ints to text
        raise _Fault(f"cannot print a number of {n.bit_length()} bits: too many digits") from None


def _emit(n: int) -> str:
    if not 0 <= n <= 0x10FFFF:
        raise _Fault(f"EMIT needs a character code from 0 to 1114111, got {n}")
    return chr(n)


# Built-in words: name -> (how many values they take, what they give back). A tuple result goes back on the
# stack, a string is printed. Read the lambdas like Forth stack comments: ( a b -- b a ), top of stack last.
BUILTINS: dict[str, tuple[int, Callable[..., tuple[int, ...] | str]]] = {
    "DUP": (1, lambda a: (a, a)),
    "DROP": (1, lambda a: ()),
    "SWAP": (2, lambda a, b: (b, a)),
    "OVER": (2, lambda a, b: (a, b, a)),
    "ROT": (3, lambda a, b, c: (b, c, a)),
    "NIP": (2, lambda a, b: (b,)),
    "TUCK": (2, lambda a, b: (b, a, b)),
    "2DUP": (2, lambda a, b: (a, b, a, b)),
    "2DROP": (2, lambda a, b: ()),
    "+": (2, lambda a, b: (a + b,)),
    "-": (2, lambda a, b: (a - b,)),
    "*": (2, lambda a, b: (a * b,)),
    "/": (2, lambda a, b: (a // b,)),  # floored
    "MOD": (2, lambda a, b: (a % b,)),  # floored: the remainder has the divisor's sign
    "/MOD": (2, lambda a, b: (a % b, a // b)),  # remainder, then quotient
    "NEGATE": (1, lambda a: (-a,)),
    "1+": (1, lambda a: (a + 1,)),
    "1-": (1, lambda a: (a - 1,)),
    "ABS": (1, lambda a: (abs(a),)),
    "MIN": (2, lambda a, b: (min(a, b),)),
    "MAX": (2, lambda a, b: (max(a, b),)),
    "=": (2, lambda a, b: (_flag(a == b),)),
    "<>": (2, lambda a, b: (_flag(a != b),)),
    "<": (2, lambda a, b: (_flag(a < b),)),
    ">": (2, lambda a, b: (_flag(a > b),)),
    "0=": (1, lambda a: (_flag(a == 0),)),
    "0<": (1, lambda a: (_flag(a < 0),)),
    "0>": (1, lambda a: (_flag(a > 0),)),
    "AND": (2, lambda a, b: (a & b,)),
    "OR": (2, lambda a, b: (a | b,)),
    "XOR": (2, lambda a, b: (a ^ b,)),
    "INVERT": (1, lambda a: (~a,)),
    ".": (1, _dot),
    "EMIT": (1, _emit),
    "CR": (0, lambda: "\n"),
    "SPACE": (0, lambda: " "),
    ".S": (0, lambda: ""),  # prints the whole stack: `Forth._builtin` does it
}

# Words that only make sense inside a definition: they compile jumps, or touch the return stack.
COMPILE_ONLY = frozenset(
    "IF ELSE THEN BEGIN UNTIL AGAIN WHILE REPEAT DO ?DO LOOP +LOOP LEAVE UNLOOP I J >R R> R@ EXIT RECURSE".split()
)
RESERVED = COMPILE_ONLY | {":", ";"}  # names that cannot be (re)defined
# What closes each control structure, for "IF without THEN" messages.
CLOSERS = {"IF": "THEN", "ELSE": "THEN", "BEGIN": "UNTIL, AGAIN or REPEAT", "WHILE": "REPEAT", "DO": "LOOP or +LOOP"}

_NUMBER = re.compile(r"-?\d+")
_WORD = re.compile(r"\S+")


# ---------------------------------------------------------------------------------------------- data types
class Token(NamedTuple):
    """A word of the source; its index in `tokenize(source)` is its position (`Step.pos`)."""

    text: str
    start: int  # character offset in the source, for highlighting


class Op(NamedTuple):
    """One instruction of a compiled definition.

    code  lit, prim, call, exit, branch, 0branch, do, ?do, loop, +loop, leave, unloop, i, j, >r, r>, r@
    arg   lit: the number; call: the callee's execution token (xt); jumps: the index of the target op
    name  the word as traces and messages show it (IF for the 0branch that IF compiles)
    pos   token index in the source that compiled it
    """

    code: str
    arg: Any
    name: str
    pos: int


@dataclass
class Definition:
    """A compiled colon definition; its execution token (xt) is its index in `Forth.definitions`."""

    name: str
    body: list[Op]
    pos: int  # token index of its ':'
    run: int  # which call of run/trace compiled it: the source its positions refer to


class ReturnAddress(NamedTuple):
    """What a call pushes on the return stack: where to go back to.

    `word` is the caller (main for the outer interpreter) and `ip` the index of its next op (for main, of its
    next token); `xt` is the caller's execution token (-1 for main), `pos` the token position of the call.

        >>> ReturnAddress("FACT", 3, 7, 12)
        FACT:7
    """

    word: str
    xt: int
    ip: int
    pos: int

    def __repr__(self) -> str:
        return f"{self.word}:{self.ip}"


@dataclass(frozen=True)
class ForthState:
    """The machine after a step: data stack and return stack, bottom first."""

    stack: tuple[int, ...]
    rstack: tuple[int | ReturnAddress, ...]


def tokenize(source: str) -> list[Token]:
    """The words of a Forth source, without comments: `( ... )` and `\\` to the end of the line.

    >>> [t.text for t in tokenize("1 2 ( a b -- ) + \\\\ add")]
    ['1', '2', '+']
    """
    tokens: list[Token] = []
    at = 0
    while match := _WORD.search(source, at):
        text, at = match.group(), match.end()
        if text == "(":
            close = source.find(")", at)
            if close < 0:
                line = source.count("\n", 0, match.start()) + 1
                raise ForthError(f"unterminated comment: the '(' on line {line} has no closing ')'", "(", len(tokens))
            at = close + 1
        elif text == "\\":
            end = source.find("\n", at)
            at = len(source) if end < 0 else end
        else:
            tokens.append(Token(text, match.start()))
    return tokens


# ---------------------------------------------------------------------------------------------- the machine
class Forth:
    """A Forth interpreter; the dictionary and the stacks persist from one `run` to the next.

    >>> f = Forth()
    >>> f.run(": FACT ( n -- n! )  DUP 1 > IF DUP 1- RECURSE * THEN ;  5 FACT .")
    '120 '

    step_limit    stop a run after this many steps (runaway loops)
    rstack_limit  return-stack depth that counts as an overflow (runaway recursion)
    stack_limit   data-stack depth that counts as an overflow
    """

    def __init__(self, step_limit: int = 10_000_000, rstack_limit: int = 1000, stack_limit: int = 100_000):
        self.stack: list[int] = []  # the data stack, top last
        self.rstack: list[int | ReturnAddress] = []  # the return stack, top last; empty between runs
        self.dictionary: dict[str, int] = {}  # name -> xt of its latest definition
        self.definitions: list[Definition] = []  # by xt; a shadowed one lives on in the words compiled with it
        self.step_limit, self.rstack_limit, self.stack_limit = step_limit, rstack_limit, stack_limit
        self._runs = 0
        self._steps = 0
        self._output: list[str] = []
        self._frames: list[list[Step]] | None = None  # the children lists of the open calls, when tracing
        self._calls: list[Step] = []  # the open call steps, when tracing

    # ------------------------------------------------------------------------------------------ public
    def run(self, source: str) -> str:
        """Interpret `source` and return what it printed.

        >>> Forth().run("-7 2 / .  -7 2 MOD .  7 -2 /MOD . .")
        '-4 1 -4 -1 '
        """
        return self._run(source, record=False)[0]

    def trace(self, source: str) -> Trace:
        """Interpret `source` and return its trace; the root step "main" holds everything printed in `note`.

        >>> t = Forth().trace("2 DUP *")
        >>> [(s.name, s.pos, s.state.stack) for s in t.root.children]
        [('2', 0, (2,)), ('DUP', 1, (2, 2)), ('*', 2, (4,))]
        """
        return self._run(source, record=True)[1]

    def state(self) -> ForthState:
        """A snapshot of both stacks."""
        return ForthState(tuple(self.stack), tuple(self.rstack))

    def words(self) -> list[str]:
        """The names of the user-defined words, in the order of their latest definitions.

        >>> f = Forth(); _ = f.run(": A ; : B ; : A ;"); f.words()
        ['B', 'A']
        """
        return [d.name for xt, d in enumerate(self.definitions) if self.dictionary.get(d.name) == xt]

    def see(self, name: str) -> str:
        """The compiled ops of a word, one a line: index, code, and argument (jump target, number or word).

        >>> f = Forth(); _ = f.run(": ABS0 ( n -- |n| ) DUP 0< IF NEGATE THEN ;")
        >>> print(f.see("abs0"))
        : ABS0
            0  prim    DUP
            1  prim    0<
            2  0branch -> 4  (IF)
            3  prim    NEGATE
            4  exit    ;
        """
        xt = self.dictionary.get(name.upper())
        if xt is None:
            if name.upper() in BUILTINS or name.upper() in RESERVED:
                raise ForthError(f"SEE: {name} is built in: it has no compiled body to show", name)
            raise ForthError(f"SEE: {name} is not defined; define it with ': {name.upper()} ... ;'", name)
        lines = [f": {self.definitions[xt].name}"]
        for i, op in enumerate(self.definitions[xt].body):
            if op.code == "call":
                detail = f"{self.definitions[op.arg].name} (xt {op.arg})"
            elif op.code in ("branch", "0branch", "?do", "loop", "+loop", "leave"):
                detail = f"-> {op.arg}  ({op.name})"
            elif op.code == "lit":
                detail = str(op.arg)
            else:
                detail = op.name
            lines.append(f"  {i:>3}  {op.code:<7} {detail}")
        return "\n".join(lines)

    # ------------------------------------------------------------------------------------------ a run
    def _run(self, source: str, record: bool) -> tuple[str, Trace]:
        saved = (list(self.stack), list(self.rstack), dict(self.dictionary), len(self.definitions))
        self._runs += 1
        self._steps, self._output = 0, []
        root = Step("main", children=[])
        initial = self.state()
        self._frames = [root.children] if record else None  # type: ignore[list-item]
        self._calls = [root]
        try:
            self._interpret(tokenize(source))
        except BaseException as error:  # also KeyboardInterrupt: the machine must stay usable
            if isinstance(error, ForthError):
                error.output = "".join(self._output)  # type: ignore[attr-defined]
                if record:
                    error.trace = self._failed_trace(error, initial)  # type: ignore[attr-defined]
            self.stack[:], self.rstack[:] = saved[0], saved[1]
            self.dictionary = saved[2]
            del self.definitions[saved[3] :]
            raise
        finally:
            self._frames = None
        output = "".join(self._output)
        root.state, root.note = self.state(), output
        return output, Trace(root, initial, "forth")

    def _interpret(self, tokens: list[Token]) -> None:
        """The outer interpreter: numbers are pushed, words executed, `:` starts a definition."""
        i = 0
        while i < len(tokens):
            text = tokens[i].text
            word = text.upper()
            if word == ":":
                i = self._compile(tokens, i)
                continue
            self._tick(word, i, None)
            if word == ";":
                raise ForthError("';' outside a definition: ';' ends a definition that ':' started", word, i)
            if word in COMPILE_ONLY:
                raise ForthError(f"{word} is compile-only: use it inside a : definition", word, i)
            if word in self.dictionary:
                self._execute(self.dictionary[word], i)
            elif word in BUILTINS:
                self._record(word, i, self._builtin(word, i, None))
            else:
                self._push(self._number(text, i, None), word, i, None)
                self._record(str(self.stack[-1]), i)
            i += 1

    def _number(self, text: str, pos: int, definition: str | None) -> int:
        if not _NUMBER.fullmatch(text):
            known = [*BUILTINS, *RESERVED, *self.dictionary]
            close = difflib.get_close_matches(text.upper(), known, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            where = f" in the definition of {definition}" if definition else ""
            raise ForthError(
                f"unknown word {text!r}{where}: it is neither defined nor a number; "
                f"{hint}define it first with ': {text.upper()} ... ;'",
                text,
                pos,
            )
        try:
            return int(text)
        except ValueError:  # more digits than Python converts
            raise ForthError(f"number too long: {len(text)} digits", text[:20] + "...", pos) from None

    # ------------------------------------------------------------------------------------------ compiler
    def _compile(self, tokens: list[Token], colon: int) -> int:
        """Compile `: NAME ... ;` starting at token `colon` into a new definition; return the next token index."""
        if colon + 1 >= len(tokens) or tokens[colon + 1].text == ";":
            raise ForthError("':' needs a name after it, e.g. ': SQUARE DUP * ;'", ":", colon)
        name = tokens[colon + 1].text.upper()
        if name in RESERVED:
            raise ForthError(f"cannot define {name}: it is a control word of this Forth; choose another name", name, colon + 1)
        xt = len(self.definitions)  # RECURSE calls this xt; the dictionary learns the name only at ';'
        body: list[Op] = []
        open_: list[tuple[str, int, int, list[int]]] = []  # open structures: (word, op index, pos, LEAVE ops)
        i = colon + 2
        while True:
            if i >= len(tokens):
                raise ForthError(f"unterminated definition: ': {name}' has no ';' before the end of the source", ":", colon)
            text = tokens[i].text
            word = text.upper()
            if word == ";":
                if open_:
                    opener, _, pos, _ = open_[-1]
                    raise ForthError(
                        f"{opener} without {CLOSERS[opener]} in the definition of {name}: "
                        f"the ';' at token {i} comes before it is closed",
                        opener,
                        pos,
                    )
                body.append(Op("exit", None, ";", i))
                break
            if word == ":":
                raise ForthError(f"':' inside the definition of {name}: end {name} with ';' first", word, i)
            if word in COMPILE_ONLY:
                self._compile_control(word, i, body, open_, name, xt)
            elif word in self.dictionary:
                body.append(Op("call", self.dictionary[word], word, i))
            elif word in BUILTINS:
                body.append(Op("prim", None, word, i))
            else:
                n = self._number(text, i, name)
                body.append(Op("lit", n, str(n), i))
            i += 1
        self.definitions.append(Definition(name, body, colon, self._runs))
        self.dictionary[name] = xt
        self._record(f": {name}", colon)
        return i + 1

    def _compile_control(self, word: str, i: int, body: list[Op], open_: list, name: str, xt: int) -> None:
        """Compile a control word; jumps forward are patched when their structure closes."""

        def close(*openers: str) -> tuple[str, int, int, list[int]]:
            if open_ and open_[-1][0] in openers:
                return open_.pop()
            inner = f"; the innermost open structure is {open_[-1][0]} at token {open_[-1][2]}" if open_ else ""
            raise ForthError(f"{word} without {openers[0]} in the definition of {name}{inner}", word, i)

        def patch(at: int, target: int) -> None:
            body[at] = body[at]._replace(arg=target)

        here = len(body)
        if word == "IF":
            body.append(Op("0branch", None, word, i))
            open_.append(("IF", here, i, []))
        elif word == "ELSE":
            _, at, _, _ = close("IF")
            body.append(Op("branch", None, word, i))
            patch(at, here + 1)
            open_.append(("ELSE", here, i, []))
        elif word == "THEN":
            _, at, _, _ = close("IF", "ELSE")
            patch(at, here)
        elif word == "BEGIN":
            open_.append(("BEGIN", here, i, []))
        elif word in ("UNTIL", "AGAIN"):
            _, at, _, _ = close("BEGIN")
            body.append(Op("0branch" if word == "UNTIL" else "branch", at, word, i))
        elif word == "WHILE":
            if not open_ or open_[-1][0] != "BEGIN":
                close("BEGIN")  # raises
            body.append(Op("0branch", None, word, i))
            open_.append(("WHILE", here, i, []))
        elif word == "REPEAT":
            _, exit_at, _, _ = close("WHILE")
            _, begin, _, _ = open_.pop()  # WHILE always sits on its BEGIN
            body.append(Op("branch", begin, word, i))
            patch(exit_at, here + 1)
        elif word in ("DO", "?DO"):
            body.append(Op(word.lower(), None, word, i))
            open_.append(("DO", here, i, []))
        elif word in ("LOOP", "+LOOP"):
            _, do, _, leaves = close("DO")
            body.append(Op(word.lower(), do + 1, word, i))
            for at in [do, *leaves] if body[do].code == "?do" else leaves:
                patch(at, here + 1)
        elif word in ("I", "J", "LEAVE", "UNLOOP"):
            loops = [s for s in open_ if s[0] == "DO"]
            if len(loops) < (2 if word == "J" else 1):
                raise ForthError(
                    f"{word} outside {'two nested' if word == 'J' else 'a'} DO ... LOOP in the definition of {name}",
                    word,
                    i,
                )
            if word == "LEAVE":
                loops[-1][3].append(here)
            body.append(Op(word.lower(), None, word, i))
        elif word == "RECURSE":
            body.append(Op("call", xt, name, i))
        else:  # EXIT >R R> R@
            body.append(Op(word.lower(), None, word, i))

    # ------------------------------------------------------------------------------------------ inner interpreter
    def _execute(self, xt: int, pos: int) -> None:
        """Run the user word `xt`, called by the outer interpreter at token `pos`, until it returns to main."""
        stack, rstack = self.stack, self.rstack
        record = self._frames is not None
        definition = self.definitions[xt]
        self._rpush(ReturnAddress("main", -1, pos + 1, pos), definition.name, pos, None)
        self._open(definition.name, pos)
        body, ip = definition.body, 0
        while True:
            op = body[ip]
            ip += 1
            self._steps += 1
            if self._steps > self.step_limit:
                self._tick(op.name, op.pos, definition.name)  # raises
            code = op.code
            note = ""
            if code == "prim":
                note = self._builtin(op.name, op.pos, definition.name)
            elif code == "lit":
                self._push(op.arg, op.name, op.pos, definition.name)
            elif code == "call":
                where = ReturnAddress(definition.name, xt, ip, op.pos)
                self._rpush(where, op.name, op.pos, definition.name)
                if record:
                    self._open(op.name, self._pos(op, definition))
                xt, ip = op.arg, 0
                definition = self.definitions[xt]
                body = definition.body
                continue
            elif code == "exit":
                back = rstack.pop() if rstack else None
                if not isinstance(back, ReturnAddress):
                    raise ForthError(
                        f"{op.name} in {definition.name} found {back!r} on top of the return stack, not a return "
                        f"address: every >R needs an R>, and EXIT inside DO ... LOOP needs UNLOOP first",
                        op.name,
                        op.pos,
                    )
                if record:
                    self._record(op.name, self._pos(op, definition), ret=True)
                    self._close()
                if back.xt < 0:
                    return
                xt, ip = back.xt, back.ip
                definition = self.definitions[xt]
                body = definition.body
                continue
            elif code == "0branch":
                self._need(1, op, definition.name)
                if stack.pop() == 0:
                    ip = op.arg
            elif code == "branch":
                ip = op.arg
            elif code in ("loop", "+loop"):
                if code == "+loop":
                    self._need(1, op, definition.name)
                step = stack.pop() if code == "+loop" else 1
                limit, index = self._loop_parameters(op, definition.name)
                # Forth-2012: leave when the index crosses the boundary between limit-1 and limit
                if (index - limit < 0) == (index + step - limit < 0):
                    rstack[-1] = index + step
                    ip = op.arg
                else:
                    del rstack[-2:]
            elif code in ("do", "?do"):
                self._need(2, op, definition.name)
                limit, start = stack[-2:]
                del stack[-2:]
                if code == "?do" and start == limit:
                    ip = op.arg
                else:
                    self._rpush(limit, op.name, op.pos, definition.name)
                    self._rpush(start, op.name, op.pos, definition.name)
            elif code == "i":
                self._push(self._loop_parameters(op, definition.name)[1], op.name, op.pos, definition.name)
            elif code == "j":
                self._push(self._loop_parameters(op, definition.name, outer=True)[1], op.name, op.pos, definition.name)
            elif code in ("leave", "unloop"):
                self._loop_parameters(op, definition.name)
                del rstack[-2:]
                if code == "leave":
                    ip = op.arg
            elif code == ">r":
                self._need(1, op, definition.name)
                self._rpush(stack.pop(), op.name, op.pos, definition.name)
            else:  # r> r@
                top = rstack[-1] if rstack else None
                if not isinstance(top, int):
                    raise ForthError(
                        f"{op.name} in {definition.name}: the top of the return stack is {top!r}, not a value "
                        f"that >R put there; every R> and R@ needs a >R before it",
                        op.name,
                        op.pos,
                    )
                self._push(rstack.pop() if code == "r>" else top, op.name, op.pos, definition.name)
            if record:
                self._record(op.name, self._pos(op, definition), note)

    def _builtin(self, word: str, pos: int, definition: str | None) -> str:
        """Run a built-in word on the data stack; return what it printed."""
        stack = self.stack
        arity, action = BUILTINS[word]
        if len(stack) < arity:
            raise self._underflow(word, pos, definition, arity)
        args = stack[len(stack) - arity :]
        try:
            result = f"<{len(stack)}> " + "".join(_dot(n) for n in stack) if word == ".S" else action(*args)
        except ZeroDivisionError:
            raise ForthError(f"division by zero{_in(definition)}: {word} got the divisor 0", word, pos) from None
        except _Fault as fault:
            raise ForthError(f"{fault}{_in(definition)}", word, pos) from None
        del stack[len(stack) - arity :]
        if isinstance(result, str):
            self._output.append(result)
            return result
        stack.extend(result)
        if len(stack) > self.stack_limit:
            raise self._overflow(word, pos, definition)
        return ""

    # ------------------------------------------------------------------------------------------ helpers
    def _push(self, value: int, word: str, pos: int, definition: str | None) -> None:
        self.stack.append(value)
        if len(self.stack) > self.stack_limit:
            raise self._overflow(word, pos, definition)

    def _rpush(self, value: int | ReturnAddress, word: str, pos: int, definition: str | None) -> None:
        if len(self.rstack) >= self.rstack_limit:
            raise ForthError(
                f"return stack overflow{_in(definition)}: more than {self.rstack_limit} entries when calling "
                f"{word}; runaway recursion? Check the base case before RECURSE, or raise Forth(rstack_limit=...)",
                word,
                pos,
            )
        self.rstack.append(value)

    def _need(self, n: int, op: Op, definition: str) -> None:
        if len(self.stack) < n:
            raise self._underflow(op.name, op.pos, definition, n)

    def _underflow(self, word: str, pos: int, definition: str | None, n: int) -> ForthError:
        what = {"IF": "a flag", "UNTIL": "a flag", "WHILE": "a flag", "DO": "the limit and the start"}.get(word, "")
        needs = f"{n} value{'s' if n != 1 else ''}" + (f" ({what})" if what else "")
        return ForthError(f"stack underflow{_in(definition)}: {word} needs {needs}, the stack has {len(self.stack)}", word, pos)

    def _overflow(self, word: str, pos: int, definition: str | None) -> ForthError:
        return ForthError(
            f"stack overflow{_in(definition)}: more than {self.stack_limit} values on the data stack after {word}; "
            f"a loop that never drops what it pushes? Or raise Forth(stack_limit=...)",
            word,
            pos,
        )

    def _loop_parameters(self, op: Op, definition: str, outer: bool = False) -> tuple[int, int]:
        """(limit, index) of the innermost loop, or of the one around it."""
        top = -3 if outer else -1
        rstack = self.rstack
        index, limit = (rstack[top], rstack[top - 1]) if len(rstack) >= -top + 1 else (None, None)
        if type(index) is not int or type(limit) is not int:  # a ReturnAddress: >R and R> are unbalanced
            raise ForthError(
                f"{op.name} in {definition}: the return stack does not hold loop parameters here "
                f"({rstack[-4:]!r} on top); a >R or R> inside the loop is unbalanced",
                op.name,
                op.pos,
            )
        return limit, index  # type: ignore[return-value]

    def _tick(self, word: str, pos: int, definition: str | None) -> None:
        self._steps += 1
        if self._steps > self.step_limit:
            raise ForthError(
                f"step limit: more than {self.step_limit} steps{_in(definition)}; an endless loop? "
                f"Check the loop's exit condition, or raise Forth(step_limit=...)",
                word,
                pos,
            )

    def _pos(self, op: Op, definition: Definition) -> int | None:
        """A step's position in this run's source: None for ops compiled by an earlier run (another source)."""
        return op.pos if definition.run == self._runs else None

    # ------------------------------------------------------------------------------------------ recording
    def _record(self, name: str, pos: int | None, note: str = "", ret: bool = False) -> None:
        if self._frames is not None:
            self._frames[-1].append(Step(name, ret=ret, state=self.state(), pos=pos, note=note))

    def _open(self, name: str, pos: int | None) -> None:
        if self._frames is not None:
            call = Step(name, children=[], pos=pos)
            self._frames[-1].append(call)
            self._frames.append(call.children)  # type: ignore[arg-type]
            self._calls.append(call)

    def _close(self) -> None:
        self._frames.pop()  # type: ignore[union-attr]
        self._calls.pop().state = self.state()

    def _failed_trace(self, error: ForthError, initial: ForthState) -> Trace:
        """The steps up to an error, ending with a leaf that names the error; open calls get the state at the error."""
        state = self.state()
        self._frames[-1].append(Step(error.word or "error", state=state, pos=error.position, note=f"error: {error.reason}"))  # type: ignore[index]
        for call in self._calls:
            call.state = state
        root = self._calls[0]
        root.note = "".join(self._output)
        return Trace(root, initial, "forth")


def _in(definition: str | None) -> str:
    return f" in {definition}" if definition else ""
