// Package cfn reads and changes the instance type in AWS CloudFormation
// templates, YAML or JSON, without re-serialising them: it finds the byte
// span of the one scalar that holds the type — a literal InstanceType, a
// referenced parameter's Default, a selected Fn::FindInMap entry or a launch
// template's LaunchTemplateData.InstanceType — and splices the new value
// into the original bytes, so comments, key order, short-form tags, quoting
// and JSON layout stay exactly as they were.
package cfn

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"

	"github.com/tendhq/tend/internal/catalog"
)

// MaxTemplateSize is the largest template the editor accepts: the limit
// CloudFormation sets for a template stored in S3.
const MaxTemplateSize = 1 << 20

// Editor edits CloudFormation templates of one format. FormatCFNYAML also
// accepts JSON (JSON is YAML); an empty Format detects the format from the
// first non-blank byte ('{' means JSON).
type Editor struct {
	Format catalog.Format
}

var _ catalog.Editor = (*Editor)(nil)

// NewEditor returns an editor for catalog.FormatCFNYAML or
// catalog.FormatCFNJSON ("" detects per template).
func NewEditor(f catalog.Format) *Editor { return &Editor{Format: f} }

// instanceTypeRE is what an EC2 instance type looks like: a family and a
// size joined by dots ("t3.medium", "db.r5.large", "u-6tb1.metal"). It keeps
// the value safe to write unquoted in YAML.
var instanceTypeRE = regexp.MustCompile(`^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$`)

// ValidInstanceType reports whether s looks like an EC2 instance type.
func ValidInstanceType(s string) error {
	if len(s) > 64 || !instanceTypeRE.MatchString(s) {
		return fmt.Errorf("invalid instance type %q: want a lower-case family and size such as t3.medium", s)
	}
	return nil
}

// bom is the UTF-8 byte order mark some Windows editors write; it is set
// aside while parsing (so byte offsets match) and kept in the output.
var bom = []byte("\xef\xbb\xbf")

func (e *Editor) parse(tmpl []byte) (*source, error) {
	if len(tmpl) > MaxTemplateSize {
		return nil, fmt.Errorf("template is %d bytes, more than the %d-byte limit", len(tmpl), MaxTemplateSize)
	}
	switch e.Format {
	case catalog.FormatCFNJSON:
		return parseJSON(tmpl)
	case catalog.FormatCFNYAML:
		return parseYAML(tmpl)
	case "":
		if t := bytes.TrimLeft(tmpl, " \t\r\n"); len(t) > 0 && t[0] == '{' {
			return parseJSON(tmpl)
		}
		return parseYAML(tmpl)
	}
	return nil, fmt.Errorf("cfn editor: unsupported format %q (want %s or %s)", e.Format, catalog.FormatCFNYAML, catalog.FormatCFNJSON)
}

// InstanceType returns the instance type resource logicalID launches with.
func (e *Editor) InstanceType(tmpl []byte, logicalID string) (string, error) {
	tmpl = bytes.TrimPrefix(tmpl, bom)
	src, err := e.parse(tmpl)
	if err != nil {
		return "", err
	}
	t, err := resolve(src, logicalID)
	if err != nil {
		return "", err
	}
	return t.scalar.value, nil
}

// SetInstanceType returns tmpl with resource logicalID's instance type set
// to newType. When the type is a parameter's Default and the parameter has
// AllowedValues without newType, newType is appended to the list in the
// list's own style. A template already at newType is returned unchanged.
func (e *Editor) SetInstanceType(tmpl []byte, logicalID, newType string) ([]byte, error) {
	if err := ValidInstanceType(newType); err != nil {
		return nil, err
	}
	if bytes.HasPrefix(tmpl, bom) {
		out, err := e.set(tmpl[len(bom):], logicalID, newType)
		if err != nil {
			return nil, err
		}
		return append(bytes.Clone(bom), out...), nil
	}
	return e.set(tmpl, logicalID, newType)
}

func (e *Editor) set(tmpl []byte, logicalID, newType string) ([]byte, error) {
	src, err := e.parse(tmpl)
	if err != nil {
		return nil, err
	}
	t, err := resolve(src, logicalID)
	if err != nil {
		return nil, err
	}
	if t.param != "" && t.scalar.value != newType {
		if err := checkMapUses(src.root, t.param, newType); err != nil {
			return nil, err
		}
	}
	var edits []edit
	if t.scalar.value != newType {
		if t.scalar.alias {
			return nil, fmt.Errorf("%s comes from a YAML alias; change the anchored value by hand", t.where)
		}
		if t.scalar.end < 0 {
			return nil, fmt.Errorf("%s is written as a multi-line, block or escaped scalar, which cannot be changed in place; write it as a plain value", t.where)
		}
		edits = append(edits, edit{at: t.scalar.pos, end: t.scalar.end, text: quote(t.scalar.style, newType)})
	}
	if t.allowed != nil && !contains(t.allowed, newType) {
		ed, err := appendItem(src, t.allowed, newType)
		if err != nil {
			return nil, fmt.Errorf("add %s to %s: %w", newType, t.allowedWhere, err)
		}
		edits = append(edits, ed)
	}
	if len(edits) == 0 {
		return bytes.Clone(tmpl), nil
	}
	out, err := apply(tmpl, edits)
	if err != nil {
		return nil, fmt.Errorf("edit %s: %w", t.where, err)
	}
	if err := e.verify(out, logicalID, newType); err != nil {
		return nil, fmt.Errorf("edit of %s did not produce a valid template (%w); the template was left unchanged", t.where, err)
	}
	return out, nil
}

// verify re-reads an edited template: it must parse and yield newType.
func (e *Editor) verify(out []byte, logicalID, newType string) error {
	src, err := e.parse(out)
	if err != nil {
		return err
	}
	t, err := resolve(src, logicalID)
	if err != nil {
		return err
	}
	if t.scalar.value != newType {
		return fmt.Errorf("reads back %q", t.scalar.value)
	}
	if t.allowed != nil && !contains(t.allowed, newType) {
		return fmt.Errorf("%s lacks %s", t.allowedWhere, newType)
	}
	return nil
}

func contains(seq *node, v string) bool {
	for _, it := range seq.items {
		if it.kind == scalarNode && it.value == v {
			return true
		}
	}
	return false
}

// edit replaces src[at:end] with text (end == at inserts).
type edit struct {
	at, end int
	text    string
}

func apply(b []byte, edits []edit) ([]byte, error) {
	sort.Slice(edits, func(i, j int) bool { return edits[i].at < edits[j].at })
	var out bytes.Buffer
	out.Grow(len(b) + 64)
	last := 0
	for _, e := range edits {
		if e.at < last || e.end < e.at || e.end > len(b) {
			return nil, fmt.Errorf("overlapping edits at byte %d", e.at)
		}
		out.Write(b[last:e.at])
		out.WriteString(e.text)
		last = e.end
	}
	out.Write(b[last:])
	return out.Bytes(), nil
}

func quote(q quoting, v string) string {
	switch q {
	case singleQuote:
		return "'" + v + "'"
	case doubleQuote:
		return `"` + v + `"`
	}
	return v
}
