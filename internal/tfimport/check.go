package tfimport

import (
	"fmt"
	"sort"
	"strings"
)

// TemplateProblem is one problem found in a template, located by resource.
type TemplateProblem struct {
	Resource string // logical ID, or "" for the template as a whole
	Problem
}

func (p TemplateProblem) String() string {
	if p.Resource == "" {
		return p.Problem.String()
	}
	return p.Resource + "." + p.Problem.String()
}

// CheckTemplate validates an importable template offline: every resource
// has a schema tend knows, valid properties (names, types, enums, required,
// no read-only), Retain deletion and update-replace policies and an
// alphanumeric logical ID; every Ref names a parameter, a resource or a
// pseudo parameter. imports, when given, is checked against the template:
// each entry names a template resource of the same type with the
// identifier keys CloudFormation's import takes.
func (s *Schemas) CheckTemplate(t map[string]any, imports []ResourceToImport) []TemplateProblem {
	var out []TemplateProblem
	add := func(res, path, format string, a ...any) {
		out = append(out, TemplateProblem{Resource: res, Problem: Problem{Path: path, Message: fmt.Sprintf(format, a...)}})
	}
	resources, ok := t["Resources"].(map[string]any)
	if !ok || len(resources) == 0 {
		add("", "Resources", "missing or empty; a template needs at least one resource")
		return out
	}
	params, _ := t["Parameters"].(map[string]any)
	ids := sortedKeys(resources)
	for _, id := range ids {
		if !ValidLogicalID(id) {
			add(id, "", "logical ID must be 1-255 characters A-Z, a-z, 0-9")
		}
		r, ok := resources[id].(map[string]any)
		if !ok {
			add(id, "", "resource is not an object")
			continue
		}
		typ, _ := r["Type"].(string)
		sc, ok := s.Schema(typ)
		if !ok {
			add(id, "Type", "%q is not a type tend imports (see docs/terraform-import.md)", typ)
			continue
		}
		for _, pol := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
			if v, _ := r[pol].(string); v != Retain {
				add(id, pol, "must be Retain on an imported resource (is %q)", v)
			}
		}
		props, _ := r["Properties"].(map[string]any)
		if props == nil && r["Properties"] != nil {
			add(id, "Properties", "not an object")
			continue
		}
		for _, p := range sc.ValidateProperties(orEmpty(props)) {
			out = append(out, TemplateProblem{Resource: id, Problem: Problem{Path: "Properties." + p.Path, Message: p.Message}})
		}
		for _, ref := range refs(props) {
			if _, ok := params[ref]; ok {
				continue
			}
			if _, ok := resources[ref]; ok || strings.HasPrefix(ref, "AWS::") {
				continue
			}
			add(id, "Properties", "Ref to %q, which is neither a parameter nor a resource", ref)
		}
	}
	for i, imp := range imports {
		where := fmt.Sprintf("resources file entry %d (%s)", i, imp.LogicalResourceID)
		r, ok := resources[imp.LogicalResourceID].(map[string]any)
		if !ok {
			add("", where, "no resource with this logical ID in the template")
			continue
		}
		if typ, _ := r["Type"].(string); typ != imp.ResourceType {
			add("", where, "ResourceType %q but the template says %q", imp.ResourceType, typ)
			continue
		}
		ti, ok := s.types[imp.ResourceType]
		if !ok {
			continue
		}
		want := append([]string(nil), importKeys(ti)...)
		got := sortedKeys(imp.ResourceIdentifier)
		sort.Strings(want)
		if strings.Join(want, ",") != strings.Join(got, ",") {
			add("", where, "ResourceIdentifier keys %v, CloudFormation imports %s by %v", got, imp.ResourceType, want)
		}
		for k, v := range imp.ResourceIdentifier {
			if v == "" {
				add("", where, "ResourceIdentifier %s is empty", k)
			}
		}
	}
	return out
}

// refs collects the targets of every {"Ref": name} in v.
func refs(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["Ref"].(string); ok && len(x) == 1 {
				out = append(out, r)
				return
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	sort.Strings(out)
	return out
}

// ToMap round-trips a Template into plain values, the form CheckTemplate
// reads (and what a template file parses to).
func (t *Template) ToMap() (map[string]any, error) {
	b, err := RenderJSON(t)
	if err != nil {
		return nil, err
	}
	return ParseTemplate(b)
}
