package tfimport

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Problem is one way a resource's properties disagree with its schema.
type Problem struct {
	Path    string // e.g. "Tags[0].Key"
	Message string
	// loc is Path as keys (string) and indexes (int); prunable says the
	// problem is with a value (type, enum, bounds), not the structure.
	loc      []any
	prunable bool
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// ValidateProperties checks a resource's Properties against its
// CloudFormation schema: property names and types, enums, bounds, required
// properties, and that no read-only property is set. Intrinsic functions
// ({"Ref": ...}, {"Fn::...": ...}) are accepted wherever a value is.
func (sc *Schema) ValidateProperties(props map[string]any) []Problem {
	var out []Problem
	for _, r := range sc.Required {
		if _, ok := props[r]; !ok {
			out = append(out, Problem{Path: r, Message: "required property missing", loc: []any{r}})
		}
	}
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		node, ok := sc.Properties[k].(map[string]any)
		if !ok {
			out = append(out, Problem{Path: k, Message: fmt.Sprintf("not a property of %s", sc.TypeName), loc: []any{k}})
			continue
		}
		if sc.IsReadOnly(k) {
			out = append(out, Problem{Path: k, Message: "read-only property must not be set", loc: []any{k}})
			continue
		}
		out = append(out, sc.validate(node, props[k], k, []string{k}, []any{k})...)
	}
	return out
}

// regexCache memoises compiled schema patterns (nil: not RE2-compatible).
var regexCache sync.Map // string -> *regexp.Regexp

func (sc *Schema) validate(node map[string]any, v any, at string, ptr []string, loc []any) []Problem {
	node = sc.resolve(node)
	if isIntrinsic(v) {
		return nil
	}
	var out []Problem
	bad := func(format string, a ...any) {
		out = append(out, Problem{Path: at, Message: fmt.Sprintf(format, a...), loc: loc, prunable: true})
	}
	if v == nil {
		bad("null value")
		return out
	}
	if types := sc.typesOf(node); len(types) > 0 {
		if !typeMatches(types, v) {
			bad("expected %s, got %s", strings.Join(types, " or "), jsonType(v))
			return out
		}
	}
	if enum, ok := node["enum"].([]any); ok && !inEnum(enum, v) {
		bad("value %v not one of %v", v, enum)
	}
	if c, ok := node["const"]; ok && !reflect.DeepEqual(c, normalizeNumber(v)) {
		bad("value %v must be %v", v, c)
	}
	switch x := v.(type) {
	case string:
		if n, ok := num(node["minLength"]); ok && float64(len([]rune(x))) < n {
			bad("shorter than %v characters", n)
		}
		if n, ok := num(node["maxLength"]); ok && float64(len([]rune(x))) > n {
			bad("longer than %v characters", n)
		}
		if p, ok := node["pattern"].(string); ok {
			if re := compilePattern(p); re != nil && !re.MatchString(x) {
				bad("does not match pattern %s", p)
			}
		}
	case float64, int, int64:
		f, _ := num(x)
		if n, ok := num(node["minimum"]); ok && f < n {
			bad("%v is below the minimum %v", f, n)
		}
		if n, ok := num(node["maximum"]); ok && f > n {
			bad("%v is above the maximum %v", f, n)
		}
	case []any:
		if n, ok := num(node["minItems"]); ok && float64(len(x)) < n {
			bad("fewer than %v items", n)
		}
		if n, ok := num(node["maxItems"]); ok && float64(len(x)) > n {
			bad("more than %v items", n)
		}
		if items, ok := node["items"].(map[string]any); ok {
			for i, e := range x {
				out = append(out, sc.validate(items, e, fmt.Sprintf("%s[%d]", at, i), append(ptr, "*"), appendLoc(loc, i))...)
			}
		}
	case map[string]any:
		out = append(out, sc.validateObject(node, x, at, ptr, loc)...)
	}
	out = append(out, sc.validateAlternatives(node, v, at, ptr, loc)...)
	return out
}

func (sc *Schema) validateObject(node, x map[string]any, at string, ptr []string, loc []any) []Problem {
	var out []Problem
	props, _ := node["properties"].(map[string]any)
	for _, r := range stringList(node["required"]) {
		if _, ok := x[r]; !ok {
			out = append(out, Problem{Path: at, Message: fmt.Sprintf("required property %s missing", r), loc: loc})
		}
	}
	patterns, _ := node["patternProperties"].(map[string]any)
	keys := make([]string, 0, len(x))
	for k := range x {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		sub := at + "." + k
		p := append(append([]string(nil), ptr...), k)
		l := appendLoc(loc, k)
		if s, ok := props[k].(map[string]any); ok {
			if sc.IsReadOnly(p...) {
				out = append(out, Problem{Path: sub, Message: "read-only property must not be set", loc: l})
				continue
			}
			out = append(out, sc.validate(s, x[k], sub, p, l)...)
			continue
		}
		matched := false
		for pat, s := range patterns {
			if re := compilePattern(pat); re != nil && re.MatchString(k) {
				matched = true
				if sm, ok := s.(map[string]any); ok {
					out = append(out, sc.validate(sm, x[k], sub, p, l)...)
				}
				break
			}
		}
		if matched {
			continue
		}
		switch ap := node["additionalProperties"].(type) {
		case bool:
			if !ap && (props != nil || patterns != nil) {
				out = append(out, Problem{Path: sub, Message: "unknown property", loc: l})
			}
		case map[string]any:
			out = append(out, sc.validate(ap, x[k], sub, p, l)...)
		}
	}
	return out
}

// validateAlternatives applies anyOf/oneOf: at least one branch must hold.
// (cfn-lint's processed schemas use oneOf for branches that may overlap, so
// "exactly one" is not enforced.)
func (sc *Schema) validateAlternatives(node map[string]any, v any, at string, ptr []string, loc []any) []Problem {
	for _, kw := range []string{"anyOf", "oneOf"} {
		branches, ok := node[kw].([]any)
		if !ok || len(branches) == 0 {
			continue
		}
		var first []Problem
		okAny := false
		for _, b := range branches {
			bm, ok := b.(map[string]any)
			if !ok {
				continue
			}
			probs := sc.validate(bm, v, at, ptr, loc)
			if len(probs) == 0 {
				okAny = true
				break
			}
			if first == nil {
				first = probs
			}
		}
		if !okAny && first != nil {
			return append([]Problem{{Path: at, Message: "matches none of the " + kw + " alternatives", loc: loc, prunable: true}}, first...)
		}
	}
	return nil
}

func compilePattern(p string) *regexp.Regexp {
	if re, ok := regexCache.Load(p); ok {
		return re.(*regexp.Regexp)
	}
	re, err := regexp.Compile(p)
	if err != nil {
		// ECMA-262 features RE2 lacks (lookaround): the pattern is not checked.
		re = nil
	}
	regexCache.Store(p, re)
	return re
}

func isIntrinsic(v any) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

func typeMatches(types []string, v any) bool {
	jt := jsonType(v)
	for _, t := range types {
		if t == jt || (t == "number" && jt == "integer") {
			return true
		}
	}
	return false
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case int, int64:
		return "integer"
	case float64:
		if x == math.Trunc(x) && !math.IsInf(x, 0) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func num(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

func normalizeNumber(v any) any {
	if f, ok := num(v); ok {
		return f
	}
	return v
}

func inEnum(enum []any, v any) bool {
	nv := normalizeNumber(v)
	for _, e := range enum {
		if reflect.DeepEqual(normalizeNumber(e), nv) {
			return true
		}
	}
	return false
}

func appendLoc(loc []any, step any) []any {
	out := make([]any, len(loc), len(loc)+1)
	copy(out, loc)
	return append(out, step)
}
