#!/usr/bin/python3
"""Generate tests/unit/xmpp/precis_vectors.h from the precis_i18n package.

precis_i18n (python3-precis-i18n) is an independent implementation of
RFC 8264/8265; the vectors it produces are the reference the unit test
holds src/xmpp/precis.c to.  The header holds:

  - precis_vectors[]: strings (input, expected output or NULL for
    rejection) for UsernameCaseMapped, UsernameCasePreserved and
    OpaqueString: a hand-picked list covering ASCII, case, width, NFC,
    bidi, spaces, symbols, ZWJ/ZWNJ and the other context rules, and
    unassigned code points, plus strings drawn at random (fixed seed)
    from a pool of interesting code points;
  - precis_single_ok_*[]: for each profile, the ranges of code points
    that are accepted on their own, over all of Unicode;
  - precis_single_map_*[]: for each profile, every single code point it
    accepts but changes: {code point, output code points..., 0...}.

Python's unicodedata may be an older Unicode version than utf8proc (the
server's); code points assigned after that version are left out of the
strings and listed in precis_skip[] so that the test passes over them.

Usage: /usr/bin/python3 tools/gen-precis-vectors.py > \
    tests/unit/xmpp/precis_vectors.h
"""

import random
import re
import sys
import unicodedata

import precis_i18n

PROFILES = [
    ('PRECIS_USERNAME_CASEMAPPED', 'UsernameCaseMapped'),
    ('PRECIS_USERNAME_CASEPRESERVED', 'UsernameCasePreserved'),
    ('PRECIS_OPAQUE_STRING', 'OpaqueString'),
]

DERIVED_AGE = '/usr/share/unicode/DerivedAge.txt'


def newer_code_points():
    """Code points assigned after Python's Unicode version."""
    have = tuple(int(x) for x in unicodedata.unidata_version.split('.')[:2])
    out = set()
    with open(DERIVED_AGE, encoding='utf-8') as f:
        for line in f:
            m = re.match(
                r'^([0-9A-F]+)(?:\.\.([0-9A-F]+))?\s*;\s*(\d+)\.(\d+)', line)
            if not m:
                continue
            if (int(m.group(3)), int(m.group(4))) <= have:
                continue
            lo = int(m.group(1), 16)
            hi = int(m.group(2) or m.group(1), 16)
            out.update(range(lo, hi + 1))
    return out


def to_ranges(cps):
    out = []
    for cp in sorted(cps):
        if out and out[-1][1] + 1 == cp:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def c_string(b):
    """A C string literal for bytes b (octal escapes cannot run on)."""
    s = ''
    for x in b:
        c = chr(x)
        if 0x20 <= x < 0x7F and c not in '"\\?':
            s += c
        else:
            s += '\\%03o' % x
    return '"%s"' % s


HANDPICKED = [
    # ASCII and case
    'juliet', 'Juliet', 'JULIET', 'romeo.montague', 'a', 'A', 'z0-9_',
    'user+tag', 'x@y', 'a/b', 'a:b', 'a"b', "o'neil", 'a&b', 'a<b>', '~!#$%^*',
    '', ' ', 'a b', ' a', 'a ', '\t', 'a\nb', '\x00', '\x7f', '\x1b[0m',
    'correct horse battery staple', 'Pa55 w0rd!',
    # non-ASCII letters and case mapping
    'juliët', 'JULIËT', 'Ǳ', 'ǲ', 'ǳ', 'ß', 'ẞ', 'ΣΑΣ', 'ΟΔΟΣ', 'ΟΔΟΣ.Α',
    'Σ', 'aΣ', 'ΣΣ', 'İİİİ', 'İΣİΣ', "Σ'", "aΣ'", "aΣ'b", 'İstanbul', 'İ', 'ı', 'ſ', 'K',
    'Å', 'Ω', 'µ', 'ﬁ', 'ς', 'σ', 'Ⅻ', 'ⅻ', 'Ꭰ', 'ꭰ', '𐐀', '𐐨', 'Ａ',
    'ǅungla', 'ΐ', 'ᾈ', 'ᾀ', 'ῼ', 'Straße', 'STRASSE', 'Ⓐ', 'ⓐ',
    # width mapping
    'ｊｕｌｉｅｔ', 'ＪＵＬＩＥＴ', 'ﾊﾟ', 'ｶﾞ', 'ｱｲｳ', '￥', '￦', '＠', '／',
    '｡', 'ﾠ', '￣', '￨', 'ｧ', '＼', '＂',
    # NFC
    'e\u0301', 'E\u0301', '\u00e9', 'a\u0308\u0301', '\u212b', 'A\u030a',
    '\u1e0b\u0323', 'd\u0323\u0307', 'q\u0307\u0323', '\u0301', 'a\u0301\u0301',
    '\u1100\u1161\u11a8', '\uac00', '\u2126', '\u0344', '\u0958', '\uf900',
    '\u2adc', '=\u0338', '<\u0338', '\u0f73', '\u2000', '\u00c5',
    # compatibility characters
    '\u00bd', '\u2075', '\u2460', '\u3300', '\ufb01', '\U0001d400', '\u2128',
    '\u00aa', '\u02b0', '\u2160', 'x\u00b2', '\u0132', '\u013f',
    # bidi
    'שלום', 'שלום1', '1שלום', 'aשלום', 'שלוםa', 'مرحبا', 'مرحبا٣',
    'م٣1', 'م1٣', '٣م', 'م٣', 'abc١', 'ש\u05b0', 'ש\u05b0\u05b0', 'ש-ש',
    'ש.', 'ש!ש', 'אב 1', 'ab\u05d0', '\u05d0\u0301', 'a\u0301', '\u0627\u0661',
    '\u0627\u06f1', '\u05d0\u200f', '\u200e', 'abc\u0663', '\u0663',
    'ש1ש', 'ש1', '\u05d0\u0030\u0661',
    # spaces
    'a\u00a0b', 'a\u2003b', 'a\u3000b', 'a\u1680b', 'a\u202fb', 'a\u205fb',
    '\u00a0', 'a\u2028b', 'a\u2029b', 'a\u200bb', 'a\u180eb', 'a\u2007b',
    'a\u0085b', '  ', 'a  b',
    # symbols and punctuation
    '\u2603', '\u263a', '\U0001f600', '\U0001f44d\U0001f3fd', '\u20ac',
    '\u00a3', '\u00a9', '\u2122', '\u00bf', '\u2014', '\u201c\u201d',
    '\u00ab', '\u3001', '\u0e3f', '$5', 'a\u00acb', '\u02c6', '\u00b4',
    '\u2200x', '\u221e', '\u2318',
    # ZWJ / ZWNJ and other context rules
    'a\u200db', 'a\u200cb', '\u200d', '\u200c', '\u0915\u094d\u200d',
    '\u0915\u094d\u200c', '\u0915\u094d\u200d\u0937', '\u0628\u200c\u0628',
    '\u0628\u200c', '\u200c\u0628', '\u0628\u064b\u200c\u064b\u0628',
    '\u0627\u200c\u0628', '\u0628\u200c\u0627', '\u0628\u200c\u0627\u0628',
    '\U0001f468\u200d\U0001f469', 'l\u00b7l', 'l\u00b7', '\u00b7l',
    'a\u00b7l', 'col\u00b7legi', '\u0375\u03b1', '\u0375a', '\u0375',
    'α\u0375', '\u05d0\u05f3', '\u05f3', 'a\u05f4', '\u05d0\u05f4\u05d1',
    '\u30fb', '\u30a2\u30fb', '\u30fb\u4e00', 'a\u30fb', '\u3042\u30fb',
    '\u0627\u0660', '\u0627\u06f0', '\u0627\u0660\u06f0', '\u0660\u0661',
    '\u06f0\u06f1', '\u0627\u0660\u0661', 'ab\u06f0',
    # exceptions
    '\u0640', 'a\u0640b', '\u07fa', '\u302e', '\u3031', '\u3007', '\u0f0b',
    '\u06fd', 'a\u00df',
    # disallowed and ignorable
    '\u00ad', 'a\u00adb', '\u034f', '\ufeff', 'a\ufeffb', '\ufe0f',
    '\u2060', '\U000e0041', '\ufdd0', '\uffff', '\U0010ffff', '\ue000',
    '\U000f0000', '\u1100', '\u115f', '\u3164', '\uffa0', '\u0007',
    '\u001f', '\u0080', '\u009f', '\ud7b0', '\u1160', '\u11a8',
    # unassigned
    '\u0378', 'a\u0378', '\u0ff0', '\U0002fffd', '\U000e0080', '\u05ff',
    '\u08ff' if unicodedata.category('\u08ff') == 'Cn' else '\u2fff',
    '\U0001fbff', '\U0003ffff',
    # scripts
    'пример', 'ПРИМЕР', '例え', 'テスト', 'ﾃｽﾄ', '한국어', 'ภาษาไทย',
    'हिन्दी', 'ελληνικά', 'Ελληνικά', 'ქართული', 'Հայերեն', 'ᏣᎳᎩ',
    'Ⲁⲁ', '𐌰𐌱', 'ᚠᚢᚦ', 'ꙮ', 'ꓐ', '𞤀𞤢',
]

POOL = (
    [chr(c) for c in range(0x20, 0x7f)] * 3 +
    list('ÀÉÎõüÿßĀąĲŉſǅǈǋǲΣΆΐΰϐϑϕϖϰϱϵЀЯѠ҈ﬀﬅ') +
    list('\u0300\u0301\u0308\u0323\u0338\u0345\u05b0\u0651\u064b\u094d') +
    list('\u200c\u200d\u00b7\u0375\u05f3\u05f4\u30fb\u0660\u06f0\u0640') +
    list('\u05d0\u05d1\u0627\u0628\u062a\u0661\u06f1\u200e\u200f\u202e') +
    list('\u00a0\u2002\u3000\u1680\u2028\u00ad\ufeff\u034f\u180e') +
    list('ＡａＺｚ０９＠／ｶﾞﾟ\uffe0\uffe8\uff61ﾠ') +
    list('\u1100\u1161\u11a8\uac00\u212b\u2126\u00c5\u0958\uf900\u2adc') +
    list('\u00bd\u2075\u2460\u3300\ufb01\u2160\u00aa\u02b0\u0130\u0131') +
    list('\u2603\U0001f600\u20ac\u00a9\u2014\u00bf\u221e\u02c6') +
    list('\u0378\u0ff0\U0002fffd\ufdd0\ue000\u0007\u0085\u007f') +
    list('\u3042\u30a2\u4e00\u0915\u0937\u03b1\u0410\u0430')
)


def main():
    skip = newer_code_points()
    profiles = [(cname, precis_i18n.get_profile(name))
                for cname, name in PROFILES]
    rnd = random.Random(8265)

    def usable(s):
        return not any(ord(c) in skip for c in s)

    strings = [s for s in HANDPICKED if usable(s)]
    randoms = []
    while len(randoms) < 300:
        s = ''.join(rnd.choice(POOL) for _ in range(rnd.randint(1, 6)))
        if usable(s):
            randoms.append(s)

    vectors = []
    for cname, prof in profiles:
        for s in strings + randoms:
            try:
                out = prof.enforce(s).encode('utf-8')
            except UnicodeEncodeError:
                out = None
            vectors.append((cname, s.encode('utf-8'), out))

    singles = {cname: [] for cname, _ in profiles}
    mapped = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF or cp in skip:
            continue
        for cname, prof in profiles:
            try:
                out = prof.enforce(chr(cp))
            except UnicodeEncodeError:
                continue
            singles[cname].append(cp)
            if out != chr(cp):
                mapped.append((cname, cp, [ord(c) for c in out]))

    w = sys.stdout.write
    w('/*\n')
    w(' * precis_vectors: PRECIS test vectors. Generated by\n')
    w(' * tools/gen-precis-vectors.py with precis_i18n on Unicode %s;\n'
      % unicodedata.unidata_version)
    w(' * do not edit. Included by tests/unit/xmpp/precis.c only.\n')
    w(' */\n')
    w('/* clang-format off */\n')
    w('#ifndef LETHE_PRECIS_VECTORS_H\n#define LETHE_PRECIS_VECTORS_H\n\n')
    w('#include <stddef.h>\n#include <stdint.h>\n\n')
    w('#include "xmpp/precis.h"\n\n')
    w('#define PRECIS_VECTORS_UNICODE "%s"\n\n' % unicodedata.unidata_version)
    w('struct precis_vector {\n\tenum precis_profile profile;\n')
    w('\tconst char *in;\n\tsize_t inlen;\n')
    w('\tconst char *out; /* NULL: rejected */\n};\n\n')
    w('struct precis_cp_range {\n\tuint32_t lo, hi;\n};\n\n')

    w('static const struct precis_vector precis_vectors[] = {\n')
    for cname, inp, out in vectors:
        w('\t{%s, %s, %d, %s},\n' % (cname, c_string(inp), len(inp),
                                      'NULL' if out is None else c_string(out)))
    w('};\n\n')

    for cname, _ in profiles:
        w('static const struct precis_cp_range precis_single_ok_%s[] = {\n'
          % cname[len('PRECIS_'):].lower())
        for lo, hi in to_ranges(singles[cname]):
            w('\t{0x%04X, 0x%04X},\n' % (lo, hi))
        w('};\n\n')

    for cname, _ in profiles:
        w('static const uint32_t precis_single_map_%s[][4] = {\n'
          % cname[len('PRECIS_'):].lower())
        for pname, cp, out in mapped:
            if pname != cname:
                continue
            assert len(out) < 4
            w('\t{%s},\n' % ', '.join('0x%X' % c for c in [cp] + out))
        w('};\n\n')

    w('/* Assigned after Unicode %s: not covered by the vectors. */\n'
      % unicodedata.unidata_version)
    w('static const struct precis_cp_range precis_skip[] = {\n')
    for lo, hi in to_ranges(skip):
        w('\t{0x%04X, 0x%04X},\n' % (lo, hi))
    w('};\n\n#endif\n/* clang-format on */\n')


main()
