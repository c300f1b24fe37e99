package tfimport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// spec is how one CloudFormation type is built from Terraform attributes.
//
// Top-level scalar attributes (and lists/maps of scalars) are mapped
// automatically: attribute foo_bar_id goes to the schema property whose name
// equals FooBarId ignoring case, unless rename says otherwise ("" drops it).
// Nested blocks, JSON documents and anything with different semantics are
// built by build. Values are then coerced to the schema's types and checked.
type spec struct {
	rename  map[string]string
	build   func(b *builder)
	ident   map[string]func(a map[string]any) string
	secrets map[string]string // attribute -> property, always a NoEcho parameter
	skipIf  func(a map[string]any) string
	tagProp string // property holding tags; default "Tags", "-" for none
	noAuto  bool   // only build sets properties
}

// attr returns an identifier source reading one state attribute.
func attr(name string) func(map[string]any) string {
	return func(a map[string]any) string { return scalarString(a[name]) }
}

// alwaysSkipped are attributes never mapped automatically.
var alwaysSkipped = map[string]bool{"id": true, "arn": true, "tags": true, "tags_all": true, "timeouts": true, "region": true}

type builder struct {
	r         Resource
	a         map[string]any
	sc        *Schema
	sp        *spec
	id        string
	props     map[string]any
	notes     []string
	params    map[string]Parameter
	secrets   map[string]string
	sensitive map[string]bool // attribute roots holding sensitive values
	used      map[string]bool
	parameter map[string]bool // sensitive roots that went into parameters
}

func newBuilder(r Resource, sc *Schema, sp *spec, id string) *builder {
	b := &builder{
		r: r, a: r.Attributes, sc: sc, sp: sp, id: id,
		props: map[string]any{}, params: map[string]Parameter{}, secrets: map[string]string{},
		sensitive: map[string]bool{}, used: map[string]bool{}, parameter: map[string]bool{},
	}
	for _, p := range r.Sensitive {
		if len(p) > 0 {
			b.sensitive[p[0]] = true
		}
	}
	for k := range sp.secrets {
		b.sensitive[k] = true
	}
	return b
}

// run sets the properties: secrets, build, tags, then automatic mapping.
// It fails if a sensitive value would reach the template in clear.
func (b *builder) run() error {
	keys := sortedKeys(b.sp.secrets)
	for _, k := range keys {
		if v := scalarString(b.a[k]); v != "" {
			b.props[b.sp.secrets[k]] = b.secret(k, b.sp.secrets[k], v)
		}
		b.used[k] = true
	}
	if b.sp.build != nil {
		b.sp.build(b)
	}
	b.tags()
	if !b.sp.noAuto {
		b.auto()
	}
	for root := range b.sensitive {
		if b.used[root] && !b.parameter[root] && !empty(b.a[root]) {
			if _, isSecret := b.sp.secrets[root]; isSecret {
				continue
			}
			return fmt.Errorf("attribute %q is sensitive and feeds a nested property tend cannot pass as a NoEcho parameter; not converted so the value is not written in clear", root)
		}
	}
	return nil
}

// isSensitive reports whether the attribute path, or anything enclosing
// it, is marked sensitive in state.
func (b *builder) isSensitive(path ...string) bool {
	for _, p := range b.r.Sensitive {
		if len(p) <= len(path) && slices.Equal(p, path[:len(p)]) {
			return true
		}
	}
	_, secret := b.sp.secrets[path[0]]
	return secret
}

// leak returns an error if a value Terraform marked sensitive appears in
// the properties in clear, however a build function got it there.
func (b *builder) leak() error {
	if len(b.r.Sensitive) == 0 && len(b.sp.secrets) == 0 {
		return nil
	}
	out, err := json.Marshal(b.props)
	if err != nil {
		return err
	}
	paths := append([][]string(nil), b.r.Sensitive...)
	for k := range b.sp.secrets {
		paths = append(paths, []string{k})
	}
	for _, p := range paths {
		v, ok := lookupPath(b.a, p)
		if !ok {
			continue
		}
		for _, leaf := range leaves(v, 0) {
			q, _ := json.Marshal(leaf)
			if bytes.Contains(out, q[1:len(q)-1]) {
				return fmt.Errorf("attribute %q is sensitive and would reach the template in clear; not converted (tend passes sensitive values only as NoEcho parameters)", strings.Join(p, "."))
			}
		}
	}
	return nil
}

func lookupPath(a map[string]any, p []string) (any, bool) {
	var cur any = a
	for _, step := range p {
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[step]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// leaves lists the string values under v worth searching for (3+ characters,
// not booleans), including those inside JSON documents held in strings.
func leaves(v any, depth int) []string {
	if depth > 32 {
		return nil
	}
	var out []string
	switch x := v.(type) {
	case string:
		if len(x) >= 3 && x != "true" && x != "false" {
			out = append(out, x)
		}
		t := strings.TrimSpace(x)
		if strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
			var doc any
			if json.Unmarshal([]byte(t), &doc) == nil {
				out = append(out, leaves(doc, depth+1)...)
			}
		}
	case float64:
		if s := scalarString(x); len(s) >= 3 {
			out = append(out, s)
		}
	case map[string]any:
		for _, e := range x {
			out = append(out, leaves(e, depth+1)...)
		}
	case []any:
		for _, e := range x {
			out = append(out, leaves(e, depth+1)...)
		}
	}
	return out
}

// secret adds a NoEcho parameter for a sensitive value and returns a Ref.
func (b *builder) secret(attrName, prop, value string) map[string]any {
	name := b.id + pascal(prop)
	if len(name) > maxLogicalID {
		name = disambiguate(name[:maxLogicalID-9], b.r.Address+"#"+prop)
	}
	b.params[name] = Parameter{
		Type:        "String",
		NoEcho:      true,
		Description: fmt.Sprintf("Sensitive %s of %s (from Terraform state; never written to files)", attrName, b.r.Address),
	}
	b.secrets[name] = value
	b.parameter[attrName] = true
	return map[string]any{"Ref": name}
}

func (b *builder) get(k string) any { b.used[k] = true; return b.a[k] }

// str reads an attribute as a string without consuming it, so it can be
// tested and still be mapped automatically.
func (b *builder) str(k string) string { return scalarString(b.a[k]) }

func (b *builder) list(k string) []any { l, _ := b.get(k).([]any); return l }

// blocks returns a nested block list (Terraform stores blocks as lists).
func (b *builder) blocks(k string) []map[string]any { return blocksOf(b.get(k)) }

// block returns the first element of a nested block list, or nil.
func (b *builder) block(k string) map[string]any {
	l := b.blocks(k)
	if len(l) == 0 {
		return nil
	}
	return l[0]
}

// set sets a property unless the value is empty (nil, "", [] or {}).
// false and 0 are values, not absence, and are kept.
func (b *builder) set(prop string, v any) {
	if !empty(v) {
		b.props[prop] = v
	}
}

// note records a value left out of the template and why.
func (b *builder) note(format string, a ...any) { b.notes = append(b.notes, fmt.Sprintf(format, a...)) }

func blocksOf(v any) []map[string]any {
	var out []map[string]any
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
	case map[string]any:
		out = append(out, x)
	}
	return out
}

// firstBlock returns the first nested block under key k of m.
func firstBlock(m map[string]any, k string) map[string]any {
	l := blocksOf(m[k])
	if len(l) == 0 {
		return nil
	}
	return l[0]
}

// obj builds an object from key/value pairs, leaving out empty values.
// It returns nil when nothing is left, so set() drops it.
func obj(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		if !empty(kv[i+1]) {
			m[kv[i].(string)] = kv[i+1]
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case []map[string]any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	case map[string]string:
		return len(x) == 0
	}
	return false
}

func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// tags writes tags_all (tags including provider default_tags, as they are on
// the resource) or tags, keys untouched, in the shape the schema wants:
// a Key/Value list, or a map. aws:-prefixed keys are AWS's and left out.
func (b *builder) tags() {
	prop := b.sp.tagProp
	if prop == "-" {
		return
	}
	if prop == "" {
		prop = "Tags"
	}
	node, ok := b.sc.Properties[prop].(map[string]any)
	if !ok {
		return
	}
	raw, _ := b.a["tags_all"].(map[string]any)
	if len(raw) == 0 {
		raw, _ = b.a["tags"].(map[string]any)
	}
	if len(raw) == 0 {
		return
	}
	keys := sortedKeys(raw)
	if b.sensitive["tags"] || b.sensitive["tags_all"] {
		b.note("tags are marked sensitive in state and were left out")
		return
	}
	if types := b.sc.typesOf(b.sc.resolve(node)); len(types) == 1 && types[0] == "object" {
		m := map[string]any{}
		for _, k := range keys {
			if !strings.HasPrefix(k, "aws:") {
				m[k] = scalarString(raw[k])
			}
		}
		b.set(prop, m)
		return
	}
	var list []any
	for _, k := range keys {
		if strings.HasPrefix(k, "aws:") {
			continue
		}
		list = append(list, map[string]any{"Key": k, "Value": scalarString(raw[k])})
	}
	b.set(prop, list)
}

// auto maps the remaining top-level attributes by name.
func (b *builder) auto() {
	lower := map[string]string{}
	for name := range b.sc.Properties {
		lower[strings.ToLower(name)] = name
	}
	for _, k := range sortedKeys(b.a) {
		if alwaysSkipped[k] || b.used[k] {
			continue
		}
		v := b.a[k]
		if empty(v) || !autoValue(v) {
			continue
		}
		prop, renamed := b.sp.rename[k]
		if renamed && prop == "" {
			continue
		}
		if !renamed {
			prop = lower[strings.ReplaceAll(k, "_", "")]
		}
		if prop == "" {
			continue
		}
		if _, set := b.props[prop]; set {
			continue
		}
		if b.sc.IsReadOnly(prop) || (!renamed && b.sc.IsWriteOnly(prop)) {
			continue
		}
		if b.sensitive[k] {
			if s := scalarString(v); s != "" {
				b.props[prop] = b.secret(k, prop, s)
				b.used[k] = true
			}
			continue
		}
		b.props[prop] = v
		b.used[k] = true
	}
}

// autoValue: scalars, lists of scalars, maps of scalars. Blocks (lists of
// objects) need a build function.
func autoValue(v any) bool {
	switch x := v.(type) {
	case string, bool, float64, json.Number:
		return true
	case []any:
		for _, e := range x {
			if !autoValue(e) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, e := range x {
			if _, ok := e.(string); !ok {
				return false
			}
		}
		return true
	}
	return false
}
