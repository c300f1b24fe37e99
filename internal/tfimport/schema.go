package tfimport

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// schemaFS holds the CloudFormation registry resource schemas tend converts
// to, copied byte for byte from ../shared/cfn-schemas (cfn-lint's processed
// us-east-1 copies, MIT-0) so the binary validates templates anywhere.
//
//go:embed schemas/*.json
var schemaFS embed.FS

// TypeInfo is one row of schemas/types.json: how a CloudFormation type maps
// to Terraform and which properties identify it for import.
type TypeInfo struct {
	CFNType           string   `json:"-"`
	Terraform         string   `json:"terraform"`
	TerraformAliases  []string `json:"terraformAliases"`
	PrimaryIdentifier []string `json:"primaryIdentifier"`
	SchemaFile        string   `json:"schemaFile"`
	DevOpsGuru        bool     `json:"devopsGuru"`
	DevOpsGuruSource  *string  `json:"devopsGuruSource"`
}

// Schema is one CloudFormation resource schema, reduced to what the
// converter and validator use. Unknown (cfn-lint patch) keywords are ignored.
type Schema struct {
	TypeName          string
	Properties        map[string]any
	Definitions       map[string]any
	Required          []string
	PrimaryIdentifier []string // property names, from the JSON pointers
	ReadOnly          [][]string
	WriteOnly         [][]string
	raw               map[string]any
}

// Schemas is the set of embedded schemas, keyed by CloudFormation type.
type Schemas struct {
	byType map[string]*Schema
	types  map[string]TypeInfo
	byTF   map[string]string // terraform type (and aliases) -> CFN type
}

// LoadSchemas parses the embedded schemas. It fails only if the embedded
// copies are corrupt, which a test guards against.
func LoadSchemas() (*Schemas, error) { return loadSchemasFS(schemaFS, "schemas") }

func loadSchemasFS(fsys fs.FS, dir string) (*Schemas, error) {
	raw, err := fs.ReadFile(fsys, path.Join(dir, "types.json"))
	if err != nil {
		return nil, fmt.Errorf("read types.json: %w", err)
	}
	var types map[string]TypeInfo
	if err := json.Unmarshal(raw, &types); err != nil {
		return nil, fmt.Errorf("parse types.json: %w", err)
	}
	s := &Schemas{byType: map[string]*Schema{}, types: map[string]TypeInfo{}, byTF: map[string]string{}}
	for cfn, ti := range types {
		ti.CFNType = cfn
		s.types[cfn] = ti
		s.byTF[ti.Terraform] = cfn
		for _, a := range ti.TerraformAliases {
			s.byTF[a] = cfn
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, ti.SchemaFile))
		if err != nil {
			return nil, fmt.Errorf("read schema for %s: %w", cfn, err)
		}
		sc, err := parseSchema(b)
		if err != nil {
			return nil, fmt.Errorf("parse schema %s: %w", ti.SchemaFile, err)
		}
		if sc.TypeName != cfn {
			return nil, fmt.Errorf("schema %s declares type %q, types.json says %q", ti.SchemaFile, sc.TypeName, cfn)
		}
		s.byType[cfn] = sc
	}
	return s, nil
}

func parseSchema(b []byte) (*Schema, error) {
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	sc := &Schema{raw: doc}
	sc.TypeName, _ = doc["typeName"].(string)
	sc.Properties, _ = doc["properties"].(map[string]any)
	sc.Definitions, _ = doc["definitions"].(map[string]any)
	sc.Required = stringList(doc["required"])
	for _, p := range stringList(doc["primaryIdentifier"]) {
		sc.PrimaryIdentifier = append(sc.PrimaryIdentifier, path.Base(p))
	}
	for _, p := range stringList(doc["readOnlyProperties"]) {
		sc.ReadOnly = append(sc.ReadOnly, pointerPath(p))
	}
	for _, p := range stringList(doc["writeOnlyProperties"]) {
		sc.WriteOnly = append(sc.WriteOnly, pointerPath(p))
	}
	if sc.TypeName == "" || sc.Properties == nil {
		return nil, fmt.Errorf("missing typeName or properties")
	}
	return sc, nil
}

// pointerPath turns "/properties/A/B" into ["A","B"].
func pointerPath(p string) []string {
	p = strings.TrimPrefix(p, "/properties/")
	return strings.Split(p, "/")
}

func stringList(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Schema returns the schema of a CloudFormation type.
func (s *Schemas) Schema(cfnType string) (*Schema, bool) {
	sc, ok := s.byType[cfnType]
	return sc, ok
}

// ForTerraform returns the CloudFormation type for a Terraform resource type.
func (s *Schemas) ForTerraform(tfType string) (TypeInfo, bool) {
	cfn, ok := s.byTF[tfType]
	if !ok {
		return TypeInfo{}, false
	}
	return s.types[cfn], true
}

// Types lists every type with a schema, sorted by CloudFormation type.
func (s *Schemas) Types() []TypeInfo {
	out := make([]TypeInfo, 0, len(s.types))
	for _, t := range s.types {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CFNType < out[j].CFNType })
	return out
}

// IsReadOnly reports whether the property path is read-only.
func (sc *Schema) IsReadOnly(p ...string) bool { return matchPaths(sc.ReadOnly, p) }

// IsWriteOnly reports whether the property path is write-only.
func (sc *Schema) IsWriteOnly(p ...string) bool { return matchPaths(sc.WriteOnly, p) }

func matchPaths(paths [][]string, p []string) bool {
	for _, q := range paths {
		if len(q) != len(p) {
			continue
		}
		eq := true
		for i := range q {
			if q[i] != p[i] && q[i] != "*" {
				eq = false
				break
			}
		}
		if eq {
			return true
		}
	}
	return false
}

// PropertyType returns the JSON types allowed for a top-level property
// (after resolving $ref), e.g. ["string"] or ["object","string"].
func (sc *Schema) PropertyType(name string) []string {
	p, ok := sc.Properties[name].(map[string]any)
	if !ok {
		return nil
	}
	return sc.typesOf(sc.resolve(p))
}

func (sc *Schema) typesOf(node map[string]any) []string {
	switch t := node["type"].(type) {
	case string:
		return []string{t}
	case []any:
		return stringList(t)
	}
	if _, ok := node["properties"]; ok {
		return []string{"object"}
	}
	return nil
}

// resolve follows a local "$ref": "#/definitions/X" (chains included).
func (sc *Schema) resolve(node map[string]any) map[string]any {
	for i := 0; i < 16; i++ {
		ref, ok := node["$ref"].(string)
		if !ok {
			return node
		}
		name := strings.TrimPrefix(ref, "#/definitions/")
		next, ok := sc.Definitions[name].(map[string]any)
		if !ok {
			return node
		}
		node = next
	}
	return node
}
