package process

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// ResourceType is the CloudFormation-style resource type of a local
// process in a product's template.
const ResourceType = "Tend::Local::Process"

// Spec is what a template's Tend::Local::Process resource asks for.
type Spec struct {
	// Command is the program and its arguments. {{port}}, {{deployment}},
	// {{version}}, {{tenants}} and {{stack}} are replaced.
	Command []string `yaml:"Command"`
	// Env are environment variables, with the same replacements.
	Env map[string]string `yaml:"Env"`
	// HealthPath is probed until it answers 200 before the deployment
	// counts as running (default /healthz).
	HealthPath string `yaml:"HealthPath"`
	// MetricsPath is scraped in the Prometheus text format (default
	// /metrics).
	MetricsPath string `yaml:"MetricsPath"`
}

// ParseTemplate reads a product template (CloudFormation YAML or JSON)
// and returns its one Tend::Local::Process resource.
func ParseTemplate(tmpl []byte) (Spec, error) {
	var doc struct {
		Resources map[string]struct {
			Type       string    `yaml:"Type"`
			Properties yaml.Node `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(tmpl, &doc); err != nil {
		return Spec{}, fmt.Errorf("read template: %w", err)
	}
	var names []string
	for name, r := range doc.Resources {
		if r.Type == ResourceType {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	switch len(names) {
	case 0:
		return Spec{}, fmt.Errorf("template has no %s resource: the process provider runs only those (use the cfn provider for AWS resources)", ResourceType)
	case 1:
	default:
		return Spec{}, fmt.Errorf("template has %d %s resources (%s); the process provider runs one per deployment", len(names), ResourceType, strings.Join(names, ", "))
	}
	var s Spec
	node := doc.Resources[names[0]].Properties
	if err := node.Decode(&s); err != nil {
		return Spec{}, fmt.Errorf("resource %s: properties: %w", names[0], err)
	}
	if len(s.Command) == 0 || s.Command[0] == "" {
		return Spec{}, fmt.Errorf("resource %s: Command is required (the program and its arguments)", names[0])
	}
	if s.HealthPath == "" {
		s.HealthPath = "/healthz"
	}
	if s.MetricsPath == "" {
		s.MetricsPath = "/metrics"
	}
	for _, p := range []string{s.HealthPath, s.MetricsPath} {
		if !strings.HasPrefix(p, "/") {
			return Spec{}, fmt.Errorf("resource %s: path %q must start with /", names[0], p)
		}
	}
	return s, nil
}

// expand replaces the placeholders of a command or environment value.
func expand(s string, vars map[string]string) string {
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	return s
}
