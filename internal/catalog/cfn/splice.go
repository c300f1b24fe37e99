package cfn

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
)

// blockItemPrefix is the start of a block sequence item line: "    - ".
var blockItemPrefix = regexp.MustCompile(`^[ \t]*-[ \t]+$`)

// appendItem returns the edit that adds v as the last item of seq, written
// like the list's existing items: a new "- v" line for a block list, or
// ", v" (with the list's own separator) for a flow list or JSON array.
func appendItem(src *source, seq *node, v string) (edit, error) {
	b := src.b
	if seq.alias {
		return edit{}, errors.New("the list comes from a YAML alias; change the anchored list by hand")
	}
	for _, it := range seq.items {
		if it.alias {
			return edit{}, errors.New("the list contains YAML aliases; change it by hand")
		}
	}
	newStyle := plainQuote
	if src.json {
		newStyle = doubleQuote
	}
	if len(seq.items) == 0 {
		if !seq.flow || seq.pos < 0 || seq.pos >= len(b) || b[seq.pos] != '[' {
			return edit{}, errors.New("cannot locate the empty list in the template")
		}
		return edit{at: seq.pos + 1, end: seq.pos + 1, text: quote(newStyle, v)}, nil
	}
	last := seq.items[len(seq.items)-1]
	if last.kind != scalarNode || last.end < 0 {
		return edit{}, errors.New("its last item is not a simple one-line value")
	}
	if last.style != otherQuote {
		newStyle = last.style
	}
	item := quote(newStyle, v)
	if seq.flow {
		sep := ", "
		if n := len(seq.items); n >= 2 {
			if prev := seq.items[n-2]; prev.end >= 0 && prev.end <= last.pos {
				if s := string(b[prev.end:last.pos]); strings.TrimSpace(s) == "," {
					sep = s
				}
			}
		} else if seq.pos >= 0 && seq.pos < last.pos && b[seq.pos] == '[' {
			// One item: keep a one-item-per-line layout if the list has one.
			if ws := string(b[seq.pos+1 : last.pos]); strings.TrimSpace(ws) == "" && strings.ContainsAny(ws, "\r\n") {
				sep = "," + ws
			}
		}
		return edit{at: last.end, end: last.end, text: sep + item}, nil
	}
	// Block list: copy the last item's line prefix onto a new line after it.
	ls := bytes.LastIndexAny(b[:last.pos], "\r\n") + 1
	prefix := string(b[ls:last.pos])
	if !blockItemPrefix.MatchString(prefix) {
		if seq.pos < 0 || seq.pos >= len(b) || b[seq.pos] != '-' {
			return edit{}, errors.New("cannot tell how the list is indented")
		}
		col := seq.pos - (bytes.LastIndexAny(b[:seq.pos], "\r\n") + 1)
		prefix = strings.Repeat(" ", col) + "- "
	}
	eol := bytes.IndexAny(b[last.end:], "\r\n")
	if eol < 0 {
		return edit{at: len(b), end: len(b), text: lineBreak(b) + prefix + item}, nil
	}
	at := last.end + eol
	brk := "\n"
	switch {
	case bytes.HasPrefix(b[at:], []byte("\r\n")):
		brk = "\r\n"
	case b[at] == '\r':
		brk = "\r"
	}
	at += len(brk)
	return edit{at: at, end: at, text: prefix + item + brk}, nil
}

// lineBreak returns the template's line break: CRLF if its first line ends
// so, else LF.
func lineBreak(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i > 0 && b[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}
