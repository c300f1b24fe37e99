package tfimport

import (
	"fmt"
	"log/slog"
	"sort"
	"strings"
)

// Retain is the deletion and update-replace policy of every imported
// resource: deleting the stack (or a replacement) never deletes it.
const Retain = "Retain"

// Template is an importable CloudFormation template. Field order is the
// order CloudFormation documents and people read.
type Template struct {
	AWSTemplateFormatVersion string                      `json:"AWSTemplateFormatVersion" yaml:"AWSTemplateFormatVersion"`
	Description              string                      `json:"Description,omitempty" yaml:"Description,omitempty"`
	Parameters               map[string]Parameter        `json:"Parameters,omitempty" yaml:"Parameters,omitempty"`
	Resources                map[string]TemplateResource `json:"Resources" yaml:"Resources"`
}

// Parameter is a template parameter; tend only writes NoEcho ones, for
// sensitive values it never puts in a file.
type Parameter struct {
	Type        string `json:"Type" yaml:"Type"`
	NoEcho      bool   `json:"NoEcho,omitempty" yaml:"NoEcho,omitempty"`
	Description string `json:"Description,omitempty" yaml:"Description,omitempty"`
}

// TemplateResource is one resource of the template.
type TemplateResource struct {
	Type                string            `json:"Type" yaml:"Type"`
	DeletionPolicy      string            `json:"DeletionPolicy" yaml:"DeletionPolicy"`
	UpdateReplacePolicy string            `json:"UpdateReplacePolicy" yaml:"UpdateReplacePolicy"`
	Metadata            map[string]string `json:"Metadata,omitempty" yaml:"Metadata,omitempty"`
	Properties          map[string]any    `json:"Properties" yaml:"Properties"`
}

// ResourceToImport is one entry of the resources file: the shape of
// CloudFormation's CreateChangeSet ResourcesToImport.
type ResourceToImport struct {
	ResourceType       string            `json:"ResourceType"`
	LogicalResourceID  string            `json:"LogicalResourceId"`
	ResourceIdentifier map[string]string `json:"ResourceIdentifier"`
}

// Converted describes one resource that made it into the template.
type Converted struct {
	Address   string
	Terraform string // terraform type
	Type      string // CloudFormation type
	LogicalID string
	// Identifier is the import identifier (primaryIdentifier property -> value).
	Identifier map[string]string
	ARN        string   // from state, when the resource has one
	Notes      []string // values left out, each with why
}

// SkipKind classifies why a state entry was not converted.
type SkipKind string

// Skip kinds. Only SkipData is expected; --strict fails on every other one.
const (
	SkipData        SkipKind = "data source"
	SkipUnsupported SkipKind = "unsupported type"
	SkipIdentifier  SkipKind = "missing identifier"
	SkipInvalid     SkipKind = "schema validation"
	SkipState       SkipKind = "instance state"
	SkipSensitive   SkipKind = "sensitive value"
	SkipRegion      SkipKind = "other region"
)

// resourceRegion is the region state places a resource in: its region
// attribute (S3 buckets; every resource from provider v6), else its ARN's.
// Global resources (IAM, CloudFront, Route 53) have none.
func resourceRegion(a map[string]any) string {
	if r := scalarString(a["region"]); r != "" {
		return r
	}
	if arn := scalarString(a["arn"]); strings.HasPrefix(arn, "arn:") {
		if parts := strings.SplitN(arn, ":", 5); len(parts) == 5 {
			return parts[3]
		}
	}
	return ""
}

// Skipped describes a state entry that is not in the template, and why.
type Skipped struct {
	Address   string
	Terraform string
	Kind      SkipKind
	Reason    string
}

// Result is the outcome of a conversion.
type Result struct {
	Template  *Template
	Imports   []ResourceToImport
	Converted []Converted
	Skipped   []Skipped
	// Secrets holds the values of the template's NoEcho parameters, for a
	// deploy in the same process. It is never written anywhere.
	Secrets map[string]string
}

// Unconverted returns the skipped managed resources (data sources excluded).
func (r *Result) Unconverted() []Skipped {
	var out []Skipped
	for _, s := range r.Skipped {
		if s.Kind != SkipData {
			out = append(out, s)
		}
	}
	return out
}

// Converter turns Terraform state into an importable template.
type Converter struct {
	schemas *Schemas
	log     *slog.Logger
}

// NewConverter returns a converter over the given schemas.
func NewConverter(s *Schemas, log *slog.Logger) *Converter {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Converter{schemas: s, log: log}
}

// SupportedTerraformTypes lists the Terraform types the converter handles
// (aliases included), sorted.
func (c *Converter) SupportedTerraformTypes() []string {
	var out []string
	for tf := range c.schemas.byTF {
		if _, ok := specs[c.schemas.byTF[tf]]; ok {
			out = append(out, tf)
		}
	}
	sort.Strings(out)
	return out
}

// Options tune a conversion.
type Options struct {
	Description string // the template's Description
	// Region, when set, is the region of the stack the template is for:
	// resources state places in another region are reported, not converted,
	// since a stack can only import resources of its own region.
	Region string
}

// Convert converts every managed resource instance of st it can, and
// reports every one it cannot, with the reason.
func (c *Converter) Convert(st *State, opts Options) *Result {
	res := &Result{
		Template: &Template{
			AWSTemplateFormatVersion: "2010-09-09",
			Description:              opts.Description,
			Resources:                map[string]TemplateResource{},
		},
		Secrets: map[string]string{},
	}
	type pending struct {
		r    Resource
		ti   TypeInfo
		base string
	}
	var todo []pending
	for _, r := range st.Resources {
		skip := func(kind SkipKind, format string, a ...any) {
			res.Skipped = append(res.Skipped, Skipped{Address: r.Address, Terraform: r.Type, Kind: kind, Reason: fmt.Sprintf(format, a...)})
		}
		if r.Mode == "data" {
			skip(SkipData, "data sources are read, not managed; nothing to import")
			continue
		}
		if r.Mode != "managed" {
			skip(SkipState, "unknown resource mode %q", r.Mode)
			continue
		}
		ti, ok := c.schemas.ForTerraform(r.Type)
		if _, has := specs[ti.CFNType]; !ok || !has {
			skip(SkipUnsupported, "no CloudFormation type is mapped for %s (see docs/terraform-import.md for the supported types)", r.Type)
			continue
		}
		if r.Deposed != "" {
			skip(SkipState, "deposed object %s awaiting destruction by terraform", r.Deposed)
			continue
		}
		if r.Tainted {
			skip(SkipState, "tainted: terraform will replace it on the next apply; import after that")
			continue
		}
		if where := resourceRegion(r.Attributes); opts.Region != "" && where != "" && where != opts.Region {
			skip(SkipRegion, "in region %s, not %s: a stack imports only resources of its own region (run again with --region %s for a stack there)", where, opts.Region, where)
			continue
		}
		todo = append(todo, pending{r: r, ti: ti, base: logicalID(r)})
	}
	// Logical IDs: readable, and unique even when sanitising made two the same.
	count := map[string]int{}
	for _, p := range todo {
		count[p.base]++
	}
	for _, p := range todo {
		id := p.base
		if count[id] > 1 {
			id = disambiguate(id, p.r.Address)
		}
		c.convertOne(res, p.r, p.ti, id)
	}
	sort.Slice(res.Imports, func(i, j int) bool { return res.Imports[i].LogicalResourceID < res.Imports[j].LogicalResourceID })
	sort.Slice(res.Converted, func(i, j int) bool { return res.Converted[i].LogicalID < res.Converted[j].LogicalID })
	sort.SliceStable(res.Skipped, func(i, j int) bool { return res.Skipped[i].Address < res.Skipped[j].Address })
	return res
}

func (c *Converter) convertOne(res *Result, r Resource, ti TypeInfo, id string) {
	sc := c.schemas.byType[ti.CFNType]
	sp := specs[ti.CFNType]
	skip := func(kind SkipKind, format string, a ...any) {
		res.Skipped = append(res.Skipped, Skipped{Address: r.Address, Terraform: r.Type, Kind: kind, Reason: fmt.Sprintf(format, a...)})
		c.log.Debug("terraform resource not converted", "address", r.Address, "kind", kind)
	}
	if sp.skipIf != nil {
		if why := sp.skipIf(r.Attributes); why != "" {
			skip(SkipUnsupported, "%s", why)
			return
		}
	}
	ident, err := identifiers(ti, sp, r.Attributes)
	if err != nil {
		skip(SkipIdentifier, "%v", err)
		return
	}
	b := newBuilder(r, sc, sp, id)
	if err := b.run(); err != nil {
		skip(SkipSensitive, "%v", err)
		return
	}
	if probs := b.finish(); len(probs) > 0 {
		msgs := make([]string, 0, len(probs))
		for _, p := range probs {
			msgs = append(msgs, p.String())
		}
		skip(SkipInvalid, "generated properties do not match the %s schema: %s", ti.CFNType, strings.Join(msgs, "; "))
		return
	}
	if err := b.leak(); err != nil {
		skip(SkipSensitive, "%v", err)
		return
	}
	for name, p := range b.params {
		res.Template.Parameters = orParams(res.Template.Parameters)
		res.Template.Parameters[name] = p
		res.Secrets[name] = b.secrets[name]
	}
	res.Template.Resources[id] = TemplateResource{
		Type:                ti.CFNType,
		DeletionPolicy:      Retain,
		UpdateReplacePolicy: Retain,
		Metadata:            map[string]string{"TerraformAddress": r.Address},
		Properties:          b.props,
	}
	res.Imports = append(res.Imports, ResourceToImport{ResourceType: ti.CFNType, LogicalResourceID: id, ResourceIdentifier: ident})
	arn, _ := r.Attributes["arn"].(string)
	res.Converted = append(res.Converted, Converted{
		Address: r.Address, Terraform: r.Type, Type: ti.CFNType, LogicalID: id,
		Identifier: ident, ARN: arn, Notes: b.notes,
	})
}

func orParams(m map[string]Parameter) map[string]Parameter {
	if m == nil {
		return map[string]Parameter{}
	}
	return m
}

// importKeys returns the ResourceIdentifier keys CloudFormation's import
// takes for a type: the schema's primaryIdentifier, except for the two
// legacy (non-registry) types whose schemas name a synthetic read-only Id
// that import does not accept (see ../shared/cfn-schemas/README.md).
func importKeys(ti TypeInfo) []string {
	switch ti.CFNType {
	case "AWS::ElasticLoadBalancing::LoadBalancer":
		return []string{"LoadBalancerName"}
	case "AWS::Elasticsearch::Domain":
		return []string{"DomainName"}
	}
	return ti.PrimaryIdentifier
}

func identifiers(ti TypeInfo, sp *spec, a map[string]any) (map[string]string, error) {
	out := map[string]string{}
	for _, key := range importKeys(ti) {
		src, ok := sp.ident[key]
		if !ok {
			return nil, fmt.Errorf("no state attribute is mapped to identifier %s", key)
		}
		v := src(a)
		if v == "" {
			return nil, fmt.Errorf("identifier %s is empty in state (the resource may not exist yet; run terraform apply or refresh)", key)
		}
		out[key] = v
	}
	return out, nil
}
