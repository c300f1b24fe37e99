package cfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// kind is the shape of a template node.
type kind int

const (
	scalarNode kind = iota
	seqNode
	mapNode
)

// quoting is how a scalar is written in the source.
type quoting int

const (
	plainQuote quoting = iota
	singleQuote
	doubleQuote
	otherQuote // block scalars (| and >): read, never edited
)

// node is a format-neutral view of a YAML or JSON value with the byte
// offsets needed to splice edits into the original text.
type node struct {
	kind  kind
	tag   string // YAML short-form function tag such as "!Ref"; "" otherwise
	value string // scalars
	style quoting
	alias bool // reached through a YAML alias: never edited in place

	// pos is the byte offset where the node's text starts (for YAML, after
	// any anchor or tag); -1 when it could not be located.
	pos int
	// end is the byte offset just past a scalar's text; -1 when unknown.
	end int
	// flow reports a flow ("[a, b]") sequence; JSON arrays are flow.
	flow bool

	keys, vals []*node // mapping entries, in order
	items      []*node // sequence items
}

// get returns the value for key in a mapping, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != mapNode {
		return nil
	}
	for i, k := range n.keys {
		if k.value == key {
			return n.vals[i]
		}
	}
	return nil
}

// describe names a node's shape for error messages.
func (n *node) describe() string {
	switch {
	case n == nil:
		return "nothing"
	case n.tag != "":
		return "a " + n.tag + " expression"
	case n.kind == mapNode && len(n.keys) == 1:
		return "a " + n.keys[0].value + " expression"
	case n.kind == mapNode:
		return "a mapping"
	case n.kind == seqNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.value)
}

// source is a parsed template together with its bytes.
type source struct {
	b    []byte
	json bool
	root *node
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 256

// parseYAML parses a single-document YAML template (JSON is YAML too).
func parseYAML(b []byte) (*source, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("template is empty")
		}
		return nil, fmt.Errorf("parse YAML: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, errors.New("parse YAML: template has more than one document")
	} else if !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse YAML: %w", err)
	}
	if len(doc.Content) != 1 {
		return nil, errors.New("template is empty")
	}
	// Aliases are expanded; the budget stops an alias bomb from growing
	// the tree far beyond the document's size.
	c := yconv{b: b, starts: lineStarts(b), budget: 4*len(b) + 1000}
	root, err := c.conv(doc.Content[0], 0, false)
	if err != nil {
		return nil, err
	}
	return &source{b: b, root: root}, nil
}

type yconv struct {
	b      []byte
	starts []int
	budget int // nodes left to create
}

func (c *yconv) conv(y *yaml.Node, depth int, viaAlias bool) (*node, error) {
	if depth > maxDepth {
		return nil, errors.New("parse YAML: nesting too deep")
	}
	if c.budget--; c.budget < 0 {
		return nil, errors.New("parse YAML: aliases expand to too many nodes")
	}
	if y.Kind == yaml.AliasNode {
		if y.Alias == nil {
			return nil, errors.New("parse YAML: unresolved alias")
		}
		return c.conv(y.Alias, depth+1, true)
	}
	n := &node{alias: viaAlias, pos: c.offset(y.Line, y.Column), end: -1}
	if n.pos >= 0 && (y.Anchor != "" || (y.Style&yaml.TaggedStyle) != 0) {
		n.pos = skipProperties(c.b, n.pos)
	}
	if strings.HasPrefix(y.Tag, "!") && !strings.HasPrefix(y.Tag, "!!") {
		n.tag = y.Tag
	}
	switch y.Kind {
	case yaml.ScalarNode:
		n.kind = scalarNode
		n.value = y.Value
		switch {
		case y.Style&yaml.DoubleQuotedStyle != 0:
			n.style = doubleQuote
		case y.Style&yaml.SingleQuotedStyle != 0:
			n.style = singleQuote
		case y.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
			n.style = otherQuote
		}
		n.end = scalarEnd(c.b, n.pos, n.style, n.value)
	case yaml.SequenceNode:
		n.kind = seqNode
		n.flow = y.Style&yaml.FlowStyle != 0
		for _, it := range y.Content {
			cn, err := c.conv(it, depth+1, viaAlias)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, cn)
		}
	case yaml.MappingNode:
		n.kind = mapNode
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, err := c.conv(y.Content[i], depth+1, viaAlias)
			if err != nil {
				return nil, err
			}
			v, err := c.conv(y.Content[i+1], depth+1, viaAlias)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, k)
			n.vals = append(n.vals, v)
		}
	default:
		return nil, fmt.Errorf("parse YAML: unexpected node kind %d", y.Kind)
	}
	return n, nil
}

// lineStarts returns the byte offset of every line, counting line breaks
// the way YAML does: CRLF, CR, LF, NEL, LS and PS.
func lineStarts(b []byte) []int {
	starts := []int{0}
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n':
			i++
			starts = append(starts, i+1)
		case b[i] == '\r' || b[i] == '\n':
			starts = append(starts, i+1)
		case b[i] == 0xC2 && i+1 < len(b) && b[i+1] == 0x85:
			i++
			starts = append(starts, i+1)
		case b[i] == 0xE2 && i+2 < len(b) && b[i+1] == 0x80 && (b[i+2] == 0xA8 || b[i+2] == 0xA9):
			i += 2
			starts = append(starts, i+1)
		}
	}
	return starts
}

// offset converts yaml.v3's 1-based line and character column to a byte
// offset, or -1.
func (c *yconv) offset(line, col int) int {
	if line < 1 || line > len(c.starts) || col < 1 {
		return -1
	}
	off := c.starts[line-1]
	for i := 1; i < col; i++ {
		if off >= len(c.b) {
			return -1
		}
		_, w := utf8.DecodeRune(c.b[off:])
		off += w
	}
	return off
}

// skipProperties skips an anchor and a tag ("&a !Ref ") before a node.
func skipProperties(b []byte, i int) int {
	for i < len(b) && (b[i] == '&' || b[i] == '!') {
		for i < len(b) && !isSpace(b[i]) {
			i++
		}
		for i < len(b) && isSpace(b[i]) {
			i++
		}
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// scalarEnd returns the offset just past a single-line scalar's text when
// the text at pos is exactly the scalar (so it can be spliced), else -1.
func scalarEnd(b []byte, pos int, style quoting, value string) int {
	if pos < 0 || pos > len(b) {
		return -1
	}
	var raw string
	switch style {
	case plainQuote:
		raw = value
	case singleQuote:
		raw = "'" + value + "'"
	case doubleQuote:
		raw = `"` + value + `"`
	default:
		return -1
	}
	if strings.ContainsAny(value, "\r\n\\'\"") || !bytes.HasPrefix(b[pos:], []byte(raw)) {
		return -1
	}
	return pos + len(raw)
}

// parseJSON parses a JSON template, recording each value's byte span.
func parseJSON(b []byte) (*source, error) {
	p := &jparser{b: b, dec: json.NewDecoder(bytes.NewReader(b))}
	p.dec.UseNumber()
	root, err := p.value(0)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("template is empty")
		}
		return nil, fmt.Errorf("parse JSON: %w", err)
	}
	if _, err := p.dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("parse JSON: unexpected data after the template's closing brace")
	}
	return &source{b: b, json: true, root: root}, nil
}

type jparser struct {
	b   []byte
	dec *json.Decoder
}

// next reads a token and the offset where its text starts.
func (p *jparser) next() (json.Token, int, error) {
	from := int(p.dec.InputOffset())
	tok, err := p.dec.Token()
	if err != nil {
		return nil, 0, err
	}
	for from < len(p.b) && (isSpace(p.b[from]) || p.b[from] == ':' || p.b[from] == ',') {
		from++
	}
	return tok, from, nil
}

func (p *jparser) value(depth int) (*node, error) {
	tok, start, err := p.next()
	if err != nil {
		return nil, err
	}
	return p.valueFrom(tok, start, depth)
}

func (p *jparser) valueFrom(tok json.Token, start, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, errors.New("nesting too deep")
	}
	end := int(p.dec.InputOffset())
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &node{kind: mapNode, pos: start, end: -1, flow: true}
			for p.dec.More() {
				ktok, kstart, err := p.next()
				if err != nil {
					return nil, err
				}
				k, ok := ktok.(string)
				if !ok {
					return nil, fmt.Errorf("object key at byte %d is not a string", kstart)
				}
				if n.get(k) != nil {
					return nil, fmt.Errorf("duplicate key %q at byte %d", k, kstart)
				}
				kn := &node{kind: scalarNode, value: k, pos: kstart, end: int(p.dec.InputOffset()), style: doubleQuote}
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, kn)
				n.vals = append(n.vals, v)
			}
			if _, err := p.dec.Token(); err != nil {
				return nil, err
			}
			return n, nil
		case '[':
			n := &node{kind: seqNode, pos: start, end: -1, flow: true}
			for p.dec.More() {
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, v)
			}
			if _, err := p.dec.Token(); err != nil {
				return nil, err
			}
			return n, nil
		}
		return nil, fmt.Errorf("unexpected %q at byte %d", rune(t), start)
	case string:
		n := &node{kind: scalarNode, value: t, pos: start, end: end, style: doubleQuote}
		// Only a string written without escapes can be spliced.
		if end-start != len(t)+2 {
			n.end = -1
		}
		return n, nil
	case json.Number:
		return &node{kind: scalarNode, value: t.String(), pos: start, end: -1, style: otherQuote}, nil
	case bool:
		return &node{kind: scalarNode, value: fmt.Sprint(t), pos: start, end: -1, style: otherQuote}, nil
	case nil:
		return &node{kind: scalarNode, value: "null", pos: start, end: -1, style: otherQuote}, nil
	}
	return nil, fmt.Errorf("unexpected token at byte %d", start)
}
