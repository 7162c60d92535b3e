"""Characters XML 1.0 cannot carry, even escaped (pure).

XML 1.0's Char production (https://www.w3.org/TR/xml/#charsets) allows tab, LF, CR,
U+0020-U+D7FF, U+E000-U+FFFD and U+10000-U+10FFFF. Everything else is one of the C0 controls
but tab/LF/CR, a lone surrogate (from undecodable file names or JSON escapes), U+FFFE or U+FFFF.
"""

from __future__ import annotations

import re

# The complement written as the few ranges it has: the negated class over the allowed ranges
# took ~5 ms to compile at every start-up of replay and listen (re's charset optimiser).
NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
