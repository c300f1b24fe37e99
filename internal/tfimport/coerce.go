package tfimport

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// maxPrune bounds the drop-and-revalidate loop of finish.
const maxPrune = 200

// finish coerces the properties to the schema's types, then drops optional
// values the schema rejects (Terraform's "unset" sentinels such as
// retention 0 or concurrency -1), noting each one. Structural problems
// (unknown or read-only properties, missing required ones) are returned.
func (b *builder) finish() []Problem {
	for k, v := range b.props {
		if node, ok := b.sc.Properties[k].(map[string]any); ok {
			b.props[k] = b.sc.coerce(node, v)
		}
	}
	for range maxPrune {
		probs := b.sc.ValidateProperties(b.props)
		if len(probs) == 0 {
			return nil
		}
		var target *Problem
		for i := range probs {
			if probs[i].prunable && len(probs[i].loc) > 0 {
				target = &probs[i]
				break
			}
		}
		if target == nil {
			return probs
		}
		val, ok := lookup(b.props, target.loc)
		if !ok || isIntrinsic(val) {
			return probs
		}
		removeAt(b.props, target.loc)
		b.note("left out %s=%s: %s", target.Path, shortValue(val), target.Message)
	}
	return b.sc.ValidateProperties(b.props)
}

func shortValue(v any) string {
	s, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(s) > 60 {
		return string(s[:57]) + "..."
	}
	return string(s)
}

func lookup(root map[string]any, loc []any) (any, bool) {
	var cur any = root
	for _, step := range loc {
		switch s := step.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			cur, ok = m[s]
			if !ok {
				return nil, false
			}
		case int:
			l, ok := cur.([]any)
			if !ok || s >= len(l) {
				return nil, false
			}
			cur = l[s]
		}
	}
	return cur, true
}

// removeAt deletes the value at loc, then any container left empty by it.
func removeAt(root map[string]any, loc []any) {
	if len(loc) == 0 {
		return
	}
	parentLoc := loc[:len(loc)-1]
	parent, _ := lookup(root, parentLoc)
	switch p := parent.(type) {
	case map[string]any:
		delete(p, loc[len(loc)-1].(string))
		if len(p) == 0 && len(parentLoc) > 0 {
			removeAt(root, parentLoc)
		}
	case []any:
		i := loc[len(loc)-1].(int)
		nl := append(append([]any{}, p[:i]...), p[i+1:]...)
		if len(nl) == 0 {
			removeAt(root, parentLoc)
			return
		}
		setAt(root, parentLoc, nl)
	}
}

func setAt(root map[string]any, loc []any, v any) {
	parent, _ := lookup(root, loc[:len(loc)-1])
	switch p := parent.(type) {
	case map[string]any:
		p[loc[len(loc)-1].(string)] = v
	case []any:
		p[loc[len(loc)-1].(int)] = v
	}
}

var intPattern = regexp.MustCompile(`^-?[0-9]+$`)

// coerce converts v to the types node allows: numbers and booleans to
// strings where the schema wants strings, numeric strings to numbers,
// "true"/"false" to booleans, and JSON documents held in strings (IAM
// policies, redrive policies, state machine definitions) to objects where
// the schema accepts an object. Objects and arrays are coerced recursively.
func (sc *Schema) coerce(node map[string]any, v any) any {
	node = sc.resolve(node)
	if isIntrinsic(v) {
		return v
	}
	types := sc.typesOf(node)
	if len(types) == 0 {
		for _, kw := range []string{"anyOf", "oneOf"} {
			if alts, ok := node[kw].([]any); ok && len(alts) > 0 {
				if m, ok := alts[0].(map[string]any); ok {
					types = sc.typesOf(sc.resolve(m))
				}
			}
		}
	}
	has := func(t string) bool {
		for _, x := range types {
			if x == t {
				return true
			}
		}
		return false
	}
	switch x := v.(type) {
	case string:
		t := strings.TrimSpace(x)
		if has("object") && strings.HasPrefix(t, "{") {
			var doc map[string]any
			if json.Unmarshal([]byte(t), &doc) == nil {
				return sc.coerce(node, doc)
			}
		}
		if has("array") && strings.HasPrefix(t, "[") {
			var doc []any
			if json.Unmarshal([]byte(t), &doc) == nil {
				return sc.coerce(node, doc)
			}
		}
		if has("string") {
			return x
		}
		if has("integer") && intPattern.MatchString(t) {
			if n, err := strconv.ParseInt(t, 10, 64); err == nil {
				return float64(n)
			}
		}
		if has("number") {
			if f, err := strconv.ParseFloat(t, 64); err == nil {
				return f
			}
		}
		if has("boolean") && (t == "true" || t == "false") {
			return t == "true"
		}
		return x
	case float64, bool, json.Number:
		if has("string") && !has("number") && !has("integer") && !has("boolean") {
			return scalarString(x)
		}
		if n, ok := x.(json.Number); ok {
			f, _ := n.Float64()
			return f
		}
		return x
	case []any:
		items, _ := node["items"].(map[string]any)
		out := make([]any, len(x))
		for i, e := range x {
			if items != nil {
				out[i] = sc.coerce(items, e)
			} else {
				out[i] = e
			}
		}
		if !has("array") && has("string") && len(x) > 0 {
			// A list where the schema wants one comma-separated string.
			parts := make([]string, 0, len(x))
			for _, e := range x {
				parts = append(parts, scalarString(e))
			}
			return strings.Join(parts, ",")
		}
		return out
	case map[string]any:
		props, _ := node["properties"].(map[string]any)
		patterns, _ := node["patternProperties"].(map[string]any)
		addl, _ := node["additionalProperties"].(map[string]any)
		out := make(map[string]any, len(x))
		for k, e := range x {
			if s, ok := props[k].(map[string]any); ok {
				out[k] = sc.coerce(s, e)
				continue
			}
			done := false
			for pat, s := range patterns {
				if re := compilePattern(pat); re != nil && re.MatchString(k) {
					if sm, ok := s.(map[string]any); ok {
						out[k] = sc.coerce(sm, e)
						done = true
					}
					break
				}
			}
			if !done && addl != nil {
				out[k] = sc.coerce(addl, e)
				done = true
			}
			if !done {
				out[k] = e
			}
		}
		if has("string") && !has("object") {
			// An object where the schema wants a JSON string.
			if s, err := json.Marshal(out); err == nil {
				return string(s)
			}
		}
		return out
	}
	return v
}
