package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is one problem in a policy file.
type Error struct {
	File   string
	Line   int
	Field  string
	Reason string
}

func (e Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Errors is every problem found while loading.
type Errors []Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// UnmarshalYAML accepts a string or a list of strings.
func (l *List) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*l = List{n.Value}
		return nil
	case yaml.SequenceNode:
		var s []string
		if err := n.Decode(&s); err != nil {
			return err
		}
		*l = s
		return nil
	}
	return fmt.Errorf("line %d: must be a string or a list of strings", n.Line)
}

// LoadDir loads every *.yaml and *.yml file in dir (not recursive).
func LoadDir(dir string) (*Set, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read policy directory: %w", err)
	}
	var files []string
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && (strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml")) {
			files = append(files, filepath.Join(dir, n))
		}
	}
	sort.Strings(files)
	return LoadFiles(files...)
}

// LoadFiles loads the named files; each may hold several YAML documents,
// one policy each.
func LoadFiles(files ...string) (*Set, error) {
	set := &Set{}
	var errs Errors
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, Error{File: f, Reason: err.Error()})
			continue
		}
		ps, perrs := Parse(f, data)
		errs = append(errs, perrs...)
		set.Policies = append(set.Policies, ps...)
	}
	seen := map[string]*Policy{}
	for _, p := range set.Policies {
		if prev, dup := seen[p.Name]; dup {
			errs = append(errs, Error{File: p.File, Line: p.Line, Field: "name",
				Reason: fmt.Sprintf("%q is already the name of the policy at %s:%d", p.Name, prev.File, prev.Line)})
		}
		seen[p.Name] = p
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return set, nil
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// Parse reads the policies in one file's content.
func Parse(file string, data []byte) ([]*Policy, Errors) {
	var out []*Policy
	var errs Errors
	nodes := yaml.NewDecoder(bytes.NewReader(data))
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	for {
		var doc yaml.Node
		err := nodes.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, yamlError(file, err)...)
			break
		}
		var p Policy
		serr := strict.Decode(&p)
		if len(doc.Content) == 0 || (doc.Content[0].Kind == yaml.ScalarNode && doc.Content[0].Tag == "!!null") {
			continue
		}
		root := doc.Content[0]
		if root.Kind != yaml.MappingNode {
			errs = append(errs, Error{File: file, Line: root.Line, Reason: "a policy must be a mapping (name:, match:, act: …)"})
			continue
		}
		if serr != nil {
			errs = append(errs, yamlError(file, serr)...)
			continue
		}
		p.File, p.Line = file, root.Line
		p.setDefaults()
		for _, fe := range p.validate() {
			errs = append(errs, Error{File: file, Line: lineOf(root, fe.field), Field: fe.field, Reason: fe.reason})
		}
		out = append(out, &p)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

func yamlError(file string, err error) Errors {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	var out Errors
	for _, m := range msgs {
		m = strings.TrimPrefix(m, "yaml: ")
		if sub := yamlLine.FindStringSubmatch(m); sub != nil {
			var line int
			fmt.Sscanf(sub[1], "%d", &line)
			out = append(out, Error{File: file, Line: line, Reason: friendly(sub[2])})
			continue
		}
		out = append(out, Error{File: file, Reason: friendly(m)})
	}
	return out
}

var unknownField = regexp.MustCompile(`^field (\S+) not found in type \S+$`)

func friendly(m string) string {
	if sub := unknownField.FindStringSubmatch(m); sub != nil {
		return fmt.Sprintf("unknown key %q (see docs/policies.md for the keys a policy has)", sub[1])
	}
	m = strings.ReplaceAll(m, "time.Duration", "a duration such as 30m or 24h")
	m = strings.ReplaceAll(m, "!!str", "a string")
	m = strings.ReplaceAll(m, "!!int", "a number")
	return m
}

// lineOf finds the line of a dotted key path under a mapping node; it falls
// back to the deepest key found.
func lineOf(n *yaml.Node, path string) int {
	line := n.Line
	for _, part := range strings.Split(path, ".") {
		if n.Kind != yaml.MappingNode {
			return line
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part {
				line = n.Content[i].Line
				n = n.Content[i+1]
				found = true
				break
			}
		}
		if !found {
			return line
		}
	}
	return line
}
