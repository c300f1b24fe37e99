package tfimport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// MaxStateBytes bounds how much of a state file is read.
const MaxStateBytes = 256 << 20

// ErrBadState is wrapped by every error that rejects the state input itself
// (not a state, unsupported version, truncated, too large).
var ErrBadState = errors.New("bad terraform state")

// Resource is one instance of a Terraform resource (or data source) from
// state, whichever format it was read from.
type Resource struct {
	Address    string   // full address, e.g. module.app["eu"].aws_sqs_queue.jobs[0]
	ModulePath []string // module steps, e.g. [`app["eu"]`]
	Mode       string   // "managed" or "data"
	Type       string
	Name       string
	Index      any // nil, int or string (count / for_each key)
	Provider   string
	Tainted    bool
	Deposed    string
	Attributes map[string]any
	// Sensitive lists attribute paths Terraform marked sensitive; each path
	// is attribute name then nested keys / indexes as strings.
	Sensitive [][]string
}

// State is a Terraform state reduced to its resource instances.
type State struct {
	Format           string // "tfstate v4" or "show-json <format_version>"
	TerraformVersion string
	Resources        []Resource
}

// ReadState reads a Terraform state: the v4 state file Terraform writes
// (terraform.tfstate, `terraform state pull`) or `terraform show -json`.
// Every rejection wraps ErrBadState and names the problem.
func ReadState(r io.Reader) (*State, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxStateBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	if len(b) > MaxStateBytes {
		return nil, fmt.Errorf("%w: larger than %d MiB", ErrBadState, MaxStateBytes>>20)
	}
	return ParseState(b)
}

// ParseState parses state bytes; see ReadState. UTF-8 with or without a
// byte-order mark and UTF-16 (as Windows PowerShell writes redirected
// output) are read alike.
func ParseState(b []byte) (*State, error) {
	b, enc, err := decodeText(b)
	if err != nil {
		return nil, err
	}
	st, err := parseState(b)
	if err != nil && enc != "" {
		return nil, fmt.Errorf("%w (read as %s)", err, enc)
	}
	return st, err
}

func parseState(b []byte) (*State, error) {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%w: the input is empty", ErrBadState)
	}
	if trimmed[0] != '{' {
		return nil, fmt.Errorf("%w: not a Terraform state (expected a JSON object, got %q...)", ErrBadState, preview(trimmed))
	}
	var probe struct {
		Version       json.RawMessage `json:"version"`
		FormatVersion json.RawMessage `json:"format_version"`
		PlannedValues json.RawMessage `json:"planned_values"`
		Lineage       string          `json:"lineage"`
	}
	if err := json.Unmarshal(trimmed, &probe); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrBadState, describeJSONError(trimmed, err))
	}
	switch {
	case probe.PlannedValues != nil:
		return nil, fmt.Errorf("%w: this is a plan (terraform show -json PLANFILE), not state; run `terraform show -json` without a plan file", ErrBadState)
	case probe.FormatVersion != nil:
		return parseShowJSON(trimmed)
	case probe.Version != nil:
		var v int
		if err := json.Unmarshal(probe.Version, &v); err != nil {
			return nil, fmt.Errorf("%w: \"version\" is %s, not a state format number", ErrBadState, probe.Version)
		}
		if v != 4 {
			return nil, fmt.Errorf("%w: unsupported state version %d (tend reads version 4, written by Terraform 0.12 and later; run `terraform state pull` with a current Terraform, or pass `terraform show -json` output)", ErrBadState, v)
		}
		return parseV4(trimmed)
	}
	return nil, fmt.Errorf("%w: not a Terraform state: no \"version\" (terraform.tfstate) or \"format_version\" (terraform show -json) field", ErrBadState)
}

func preview(b []byte) string {
	if len(b) > 16 {
		b = b[:16]
	}
	return string(b)
}

func describeJSONError(b []byte, err error) string {
	var syn *json.SyntaxError
	if errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected end of JSON input") {
		return fmt.Sprintf("truncated: the JSON ends after %d bytes before the document is complete", len(b))
	}
	if errors.As(err, &syn) {
		line := 1 + bytes.Count(b[:min(int(syn.Offset), len(b))], []byte("\n"))
		return fmt.Sprintf("not valid JSON at line %d (byte %d): %v", line, syn.Offset, err)
	}
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return fmt.Sprintf("field %q has the wrong type (%s, want %s)", ute.Field, ute.Value, ute.Type)
	}
	return err.Error()
}

type v4State struct {
	Version          int          `json:"version"`
	TerraformVersion string       `json:"terraform_version"`
	Resources        []v4Resource `json:"resources"`
}

type v4Resource struct {
	Module    string       `json:"module"`
	Mode      string       `json:"mode"`
	Type      string       `json:"type"`
	Name      string       `json:"name"`
	Provider  string       `json:"provider"`
	Instances []v4Instance `json:"instances"`
}

type v4Instance struct {
	IndexKey            any               `json:"index_key"`
	Status              string            `json:"status"`
	Deposed             string            `json:"deposed"`
	Attributes          map[string]any    `json:"attributes"`
	AttributesFlat      map[string]string `json:"attributes_flat"`
	SensitiveAttributes json.RawMessage   `json:"sensitive_attributes"`
}

func parseV4(b []byte) (*State, error) {
	var raw v4State
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrBadState, describeJSONError(b, err))
	}
	st := &State{Format: "tfstate v4", TerraformVersion: raw.TerraformVersion}
	for ri, r := range raw.Resources {
		if r.Type == "" || r.Name == "" {
			return nil, fmt.Errorf("%w: resources[%d] has no type or name", ErrBadState, ri)
		}
		mode := r.Mode
		if mode == "" {
			mode = "managed"
		}
		mods, err := splitModule(r.Module)
		if err != nil {
			return nil, fmt.Errorf("%w: resources[%d].module: %v", ErrBadState, ri, err)
		}
		for ii, in := range r.Instances {
			idx, err := normalizeIndex(in.IndexKey)
			if err != nil {
				return nil, fmt.Errorf("%w: resources[%d].instances[%d].index_key: %v", ErrBadState, ri, ii, err)
			}
			if in.Attributes == nil && in.AttributesFlat != nil {
				return nil, fmt.Errorf("%w: %s uses flatmap attributes (schema from Terraform 0.11); refresh it with a current Terraform first", ErrBadState, r.Type+"."+r.Name)
			}
			sens, err := parseV4Sensitive(in.SensitiveAttributes)
			if err != nil {
				return nil, fmt.Errorf("%w: resources[%d].instances[%d].sensitive_attributes: %v", ErrBadState, ri, ii, err)
			}
			st.Resources = append(st.Resources, Resource{
				Address:    address(r.Module, mode, r.Type, r.Name, idx),
				ModulePath: mods,
				Mode:       mode,
				Type:       r.Type,
				Name:       r.Name,
				Index:      idx,
				Provider:   r.Provider,
				Tainted:    in.Status == "tainted",
				Deposed:    in.Deposed,
				Attributes: orEmpty(in.Attributes),
				Sensitive:  sens,
			})
		}
	}
	return st, nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// parseV4Sensitive reads sensitive_attributes: a list of paths, each a list
// of steps {"type":"get_attr","value":"password"} or
// {"type":"index","value":{"type":"string"|"number","value":...}}.
func parseV4Sensitive(raw json.RawMessage) ([][]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var paths [][]struct {
		Type  string          `json:"type"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &paths); err != nil {
		return nil, err
	}
	var out [][]string
	for _, p := range paths {
		var steps []string
		for _, s := range p {
			switch s.Type {
			case "get_attr":
				var name string
				if err := json.Unmarshal(s.Value, &name); err != nil {
					return nil, fmt.Errorf("get_attr step: %v", err)
				}
				steps = append(steps, name)
			case "index":
				var key struct {
					Value any `json:"value"`
				}
				if err := json.Unmarshal(s.Value, &key); err != nil {
					return nil, fmt.Errorf("index step: %v", err)
				}
				steps = append(steps, fmt.Sprint(key.Value))
			default:
				return nil, fmt.Errorf("unknown path step type %q", s.Type)
			}
		}
		if len(steps) > 0 {
			out = append(out, steps)
		}
	}
	return out, nil
}

func parseShowJSON(b []byte) (*State, error) {
	var s tfjson.State
	if err := json.Unmarshal(b, &s); err != nil {
		if strings.Contains(err.Error(), "format version") {
			return nil, fmt.Errorf("%w: %v", ErrBadState, err)
		}
		return nil, fmt.Errorf("%w: %s", ErrBadState, describeJSONError(b, err))
	}
	st := &State{Format: "show-json " + s.FormatVersion, TerraformVersion: s.TerraformVersion}
	if s.Values == nil || s.Values.RootModule == nil {
		return st, nil // an empty state: show -json prints no values
	}
	var walk func(m *tfjson.StateModule, depth int) error
	walk = func(m *tfjson.StateModule, depth int) error {
		if depth > 100 {
			return fmt.Errorf("%w: modules nested more than 100 deep", ErrBadState)
		}
		mods, err := splitModule(m.Address)
		if err != nil {
			return fmt.Errorf("%w: module address %q: %v", ErrBadState, m.Address, err)
		}
		for i, r := range m.Resources {
			if r == nil || r.Type == "" || r.Name == "" {
				return fmt.Errorf("%w: module %q resources[%d] has no type or name", ErrBadState, m.Address, i)
			}
			idx, err := normalizeIndex(r.Index)
			if err != nil {
				return fmt.Errorf("%w: %s index: %v", ErrBadState, r.Address, err)
			}
			sens, err := sensitiveFromValues(r.SensitiveValues)
			if err != nil {
				return fmt.Errorf("%w: %s sensitive_values: %v", ErrBadState, r.Address, err)
			}
			addr := r.Address
			if addr == "" {
				addr = address(m.Address, string(r.Mode), r.Type, r.Name, idx)
			}
			st.Resources = append(st.Resources, Resource{
				Address:    addr,
				ModulePath: mods,
				Mode:       string(r.Mode),
				Type:       r.Type,
				Name:       r.Name,
				Index:      idx,
				Provider:   r.ProviderName,
				Tainted:    r.Tainted,
				Deposed:    r.DeposedKey,
				Attributes: orEmpty(r.AttributeValues),
				Sensitive:  sens,
			})
		}
		for _, c := range m.ChildModules {
			if c == nil {
				continue
			}
			if err := walk(c, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(s.Values.RootModule, 0); err != nil {
		return nil, err
	}
	return st, nil
}

// sensitiveFromValues turns show -json's sensitive_values (a mirror of the
// values with true at sensitive leaves) into paths.
func sensitiveFromValues(raw json.RawMessage) ([][]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	var out [][]string
	var walk func(v any, p []string)
	walk = func(v any, p []string) {
		switch x := v.(type) {
		case bool:
			if x && len(p) > 0 {
				out = append(out, append([]string(nil), p...))
			}
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(x[k], append(p, k))
			}
		case []any:
			for i, e := range x {
				walk(e, append(p, strconv.Itoa(i)))
			}
		}
	}
	walk(v, nil)
	return out, nil
}

func normalizeIndex(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return x, nil
	case float64:
		if x != float64(int(x)) || x < 0 {
			return nil, fmt.Errorf("count index %v is not a non-negative integer", x)
		}
		return int(x), nil
	case json.Number:
		n, err := x.Int64()
		if err != nil || n < 0 {
			return nil, fmt.Errorf("count index %v is not a non-negative integer", x)
		}
		return int(n), nil
	}
	return nil, fmt.Errorf("index %v is neither a number nor a string", v)
}

func address(module, mode, typ, name string, idx any) string {
	var b strings.Builder
	if module != "" {
		b.WriteString(module)
		b.WriteByte('.')
	}
	if mode == "data" {
		b.WriteString("data.")
	}
	b.WriteString(typ)
	b.WriteByte('.')
	b.WriteString(name)
	switch x := idx.(type) {
	case int:
		fmt.Fprintf(&b, "[%d]", x)
	case string:
		fmt.Fprintf(&b, "[%s]", strconv.Quote(x))
	}
	return b.String()
}

// splitModule splits `module.a["k"].module.b[0]` into [`a["k"]`, `b[0]`].
func splitModule(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var out []string
	for len(s) > 0 {
		if !strings.HasPrefix(s, "module.") {
			return nil, fmt.Errorf("expected \"module.\" at %q", s)
		}
		s = s[len("module."):]
		i := 0
		depth := false
		inStr := false
		for ; i < len(s); i++ {
			c := s[i]
			if inStr {
				if c == '\\' {
					i++
				} else if c == '"' {
					inStr = false
				}
				continue
			}
			if c == '"' && depth {
				inStr = true
			} else if c == '[' {
				depth = true
			} else if c == ']' {
				depth = false
			} else if c == '.' && !depth {
				break
			}
		}
		if i == 0 || inStr || depth {
			return nil, fmt.Errorf("malformed module step in %q", s)
		}
		out = append(out, s[:i])
		s = s[i:]
		if s != "" {
			s = s[1:]
			if s == "" {
				return nil, fmt.Errorf("trailing dot")
			}
		}
	}
	return out, nil
}
