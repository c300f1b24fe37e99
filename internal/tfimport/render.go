package tfimport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// IsYAML reports whether a file name asks for YAML (.yaml, .yml).
func IsYAML(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// RenderJSON renders v as indented JSON with a trailing newline.
func RenderJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// RenderTemplate renders a template as JSON, or YAML when yamlOut is set.
func RenderTemplate(t *Template, yamlOut bool) ([]byte, error) {
	if !yamlOut {
		return RenderJSON(t)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(t); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteFileAtomic writes data to a temporary file beside name and renames it
// into place, so a failure never leaves a partial file.
func WriteFileAtomic(name string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(name)
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	tmp := f.Name()
	cleanup := func() { _ = os.Remove(tmp) }
	if _, err := f.Write(data); err != nil {
		f.Close()
		cleanup()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		cleanup()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		cleanup()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		cleanup()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(tmp, name); err != nil {
		cleanup()
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// WriteFilesAtomic writes every file or none: all contents go to temporary
// files first, and only when all are written are they renamed into place.
func WriteFilesAtomic(files map[string][]byte, perm os.FileMode) error {
	type pending struct{ tmp, name string }
	var done []pending
	cleanup := func() {
		for _, p := range done {
			_ = os.Remove(p.tmp)
		}
	}
	for _, name := range sortedKeys(files) {
		f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
		if err != nil {
			cleanup()
			return fmt.Errorf("write %s: %w", name, err)
		}
		done = append(done, pending{tmp: f.Name(), name: name})
		_, werr := f.Write(files[name])
		if werr == nil {
			werr = f.Chmod(perm)
		}
		if werr == nil {
			werr = f.Sync()
		}
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			cleanup()
			return fmt.Errorf("write %s: %w", name, werr)
		}
	}
	for i, p := range done {
		if err := os.Rename(p.tmp, p.name); err != nil {
			for _, q := range done[i:] {
				_ = os.Remove(q.tmp)
			}
			for _, q := range done[:i] {
				_ = os.Remove(q.name)
			}
			return fmt.Errorf("write %s: %w", p.name, err)
		}
	}
	return nil
}

// ParseResources parses a resources file (CloudFormation ResourcesToImport JSON).
func ParseResources(b []byte) ([]ResourceToImport, error) {
	var out []ResourceToImport
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("parse resources file: %s", describeJSONError(b, err))
	}
	for i, r := range out {
		if r.ResourceType == "" || r.LogicalResourceID == "" {
			return nil, fmt.Errorf("resources file entry %d: ResourceType and LogicalResourceId are required", i)
		}
	}
	return out, nil
}

// ParseTemplate parses a CloudFormation template in JSON or YAML (short
// intrinsic tags such as !Ref and !GetAtt included) into plain values.
func ParseTemplate(b []byte) (map[string]any, error) {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("the template is empty")
	}
	if trimmed[0] == '{' {
		var m map[string]any
		if err := json.Unmarshal(trimmed, &m); err != nil {
			return nil, fmt.Errorf("parse JSON template: %s", describeJSONError(trimmed, err))
		}
		return m, nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("parse YAML template: %w", err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("the template is empty")
	}
	budget := maxYAMLNodes
	v, err := yamlValue(root.Content[0], 0, &budget)
	if err != nil {
		return nil, fmt.Errorf("parse YAML template: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the template is not a mapping")
	}
	return m, nil
}

// maxYAMLNodes bounds how many nodes a YAML template may expand to, so
// alias chains (a "billion laughs" document) cannot exhaust memory.
const maxYAMLNodes = 300_000

func yamlValue(n *yaml.Node, depth int, budget *int) (any, error) {
	if depth > 200 {
		return nil, fmt.Errorf("nested deeper than 200 levels")
	}
	if *budget--; *budget < 0 {
		return nil, fmt.Errorf("expands to more than %d nodes (aliases?)", maxYAMLNodes)
	}
	var v any
	switch n.Kind {
	case yaml.AliasNode:
		return yamlValue(n.Alias, depth+1, budget)
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			val, err := yamlValue(n.Content[i+1], depth+1, budget)
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = val
		}
		v = m
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			val, err := yamlValue(c, depth+1, budget)
			if err != nil {
				return nil, err
			}
			l = append(l, val)
		}
		v = l
	case yaml.ScalarNode:
		if strings.HasPrefix(n.Tag, "!!") || n.Tag == "" {
			var x any
			if err := n.Decode(&x); err != nil {
				return nil, fmt.Errorf("line %d: %w", n.Line, err)
			}
			switch y := x.(type) {
			case int:
				return float64(y), nil
			case uint64:
				return float64(y), nil
			}
			return x, nil
		}
		v = n.Value
	default:
		return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		fn := strings.TrimPrefix(n.Tag, "!")
		switch fn {
		case "Ref", "Condition":
			return map[string]any{fn: v}, nil
		case "GetAtt":
			if s, ok := v.(string); ok {
				res, att, _ := strings.Cut(s, ".")
				return map[string]any{"Fn::GetAtt": []any{res, att}}, nil
			}
		}
		return map[string]any{"Fn::" + fn: v}, nil
	}
	return v, nil
}
