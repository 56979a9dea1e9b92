"""How code assertions read source files, without running or importing anything.

Nothing from the repository is run or imported. Python files are read through their
syntax tree (:func:`ast.parse` compiles to a tree and stops there), so a name that only
appears in a comment, a docstring or a string never counts. JavaScript, TypeScript, Go,
Java, Rust and C# are read through definition-shaped regular expressions, run on a copy
of the file in which :func:`.blank_comments_and_strings` has replaced every comment and
string, character, template and regular-expression literal with spaces (newlines are
kept, so positions and line numbers are those of the real file). Bodies are found by
brace matching on that blanked copy.

The ``language`` parameter names the language; without it the file extension decides
(``.py``, ``.js``/``.mjs``/``.cjs``/``.jsx``, ``.ts``/``.tsx``, ``.go``, ``.java``,
``.rs``, ``.cs``), and an unknown extension is an ``error`` verdict asking for
``language``.

Names: ``name`` (and ``function``) may be qualified, ``Class.method`` or
``Outer.Inner.method`` (``::`` is accepted too). A plain name matches a definition of
that name anywhere in the file, methods and nested functions included; a qualified name
matches when its parts are the innermost enclosing definitions (``Inner.method`` matches
``Outer.Inner.method``). Outside Python a qualifier is a class, struct, interface, enum,
record, trait, ``impl`` block, namespace/module or object literal whose body directly
holds the member; in Go it is the receiver type of a method (``Type.method`` only).

A Python file that does not parse is an ``error`` verdict naming the syntax error and its
line, never a guess: the pattern approach would silently weaken the check for the one
language where the syntax tree is available, and a file that does not parse is not
shipped code anyway.

Known limits. Only the named file is read: nothing is resolved across files (a name
imported from elsewhere, a re-export, a settings module built from another). Python
resolves import aliases (``from bcrypt import hashpw as h``), nothing more. Of the
pattern approach (other languages): macros, preprocessors and code generation are not
expanded; a definition spelt in an unusual layout (a TypeScript return type holding an
object type before a method body, a quoted object key) is missed (a false ``fail``, never
a false ``pass`` from a comment or a string); a TypeScript function *type*
``name: (x) => void`` in an interface is taken for a definition; JavaScript regular
expression literals are told from divisions by the previous token, and JSX text is
code (an apostrophe in it may blank the rest of its line); C# attribute sections are
told from indexers by the character before ``[``. Every search is time-limited: a file
too large or too unbalanced to search in time is an ``error`` verdict.

A language is one entry in :mod:`~threatgate.verify.languages.registry` (found by its
file extension) plus its definition patterns in
:mod:`~threatgate.verify.languages.definitions`.
"""

from __future__ import annotations

from threatgate.verify.languages.blanking import blank_comments_and_strings
from threatgate.verify.languages.registry import EXTENSIONS, LANGUAGES, Language
from threatgate.verify.languages.source import CodeError, Source, code_check, language_of

__all__ = ["EXTENSIONS", "LANGUAGES", "CodeError", "Language", "Source",
           "blank_comments_and_strings", "code_check", "language_of"]
