// Package sarif writes tend review's reports as SARIF 2.1.0 — the shape
// GitHub code scanning accepts (rules with help text, CWE tags and
// security-severity; results with locations, fingerprints and code flows)
// — and reads other tools' SARIF back, for scoring them the same way.
package sarif

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/buildinfo"
	"github.com/tendhq/tend/internal/review"
	"github.com/tendhq/tend/internal/review/rule"
)

// Schema and Version are the SARIF 2.1.0 identifiers written to every log.
const (
	Schema  = "https://json.schemastore.org/sarif-2.1.0.json"
	Version = "2.1.0"
)

// Log is a SARIF log (the subset tend writes and reads).
type Log struct {
	Schema  string `json:"$schema,omitempty"`
	Version string `json:"version"`
	Runs    []Run  `json:"runs"`
}

// Run is one tool's run.
type Run struct {
	Tool    Tool     `json:"tool"`
	Results []Result `json:"results"`
	// ColumnKind says how columns count; tend counts bytes of ASCII-heavy source as code units.
	ColumnKind string `json:"columnKind,omitempty"`
}

// Tool names the analyser and its rules.
type Tool struct {
	Driver Driver `json:"driver"`
}

// Driver is the tool component.
type Driver struct {
	Name            string                `json:"name"`
	InformationURI  string                `json:"informationUri,omitempty"`
	SemanticVersion string                `json:"semanticVersion,omitempty"`
	Version         string                `json:"version,omitempty"`
	Rules           []ReportingDescriptor `json:"rules,omitempty"`
}

// ReportingDescriptor is a rule.
type ReportingDescriptor struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name,omitempty"`
	ShortDescription     *Message       `json:"shortDescription,omitempty"`
	FullDescription      *Message       `json:"fullDescription,omitempty"`
	Help                 *Message       `json:"help,omitempty"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration *Configuration `json:"defaultConfiguration,omitempty"`
	Properties           *Properties    `json:"properties,omitempty"`
}

// Configuration is a rule's default level.
type Configuration struct {
	Level string `json:"level"`
}

// Properties is a property bag.
type Properties struct {
	Tags             []string `json:"tags,omitempty"`
	SecuritySeverity string   `json:"security-severity,omitempty"`
	Precision        string   `json:"precision,omitempty"`
	CWE              any      `json:"cwe,omitempty"`
}

// Message is text (and optionally markdown).
type Message struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

// Result is one finding.
type Result struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           *int              `json:"ruleIndex,omitempty"`
	Level               string            `json:"level,omitempty"`
	Message             Message           `json:"message"`
	Locations           []Location        `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	CodeFlows           []CodeFlow        `json:"codeFlows,omitempty"`
	Properties          *Properties       `json:"properties,omitempty"`
}

// Location is a place in an artifact.
type Location struct {
	PhysicalLocation PhysicalLocation `json:"physicalLocation"`
	Message          *Message         `json:"message,omitempty"`
}

// PhysicalLocation is a file and region.
type PhysicalLocation struct {
	ArtifactLocation ArtifactLocation `json:"artifactLocation"`
	Region           *Region          `json:"region,omitempty"`
}

// ArtifactLocation is a file's URI.
type ArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

// Region is a line and column.
type Region struct {
	StartLine   int `json:"startLine,omitempty"`
	StartColumn int `json:"startColumn,omitempty"`
}

// CodeFlow is a path through the code.
type CodeFlow struct {
	ThreadFlows []ThreadFlow `json:"threadFlows"`
}

// ThreadFlow is a sequence of locations.
type ThreadFlow struct {
	Locations []ThreadFlowLocation `json:"locations"`
}

// ThreadFlowLocation is one step.
type ThreadFlowLocation struct {
	Location Location `json:"location"`
}

func level(s rule.Severity) string {
	switch {
	case s >= rule.High:
		return "error"
	case s == rule.Medium:
		return "warning"
	}
	return "note"
}

// securitySeverity is GitHub's 0.0–10.0 scale (≥ 9 critical, ≥ 7 high, ≥ 4 medium).
func securitySeverity(s rule.Severity) string {
	switch s {
	case rule.Critical:
		return "9.5"
	case rule.High:
		return "8.0"
	case rule.Medium:
		return "5.5"
	case rule.Low:
		return "3.0"
	}
	return "1.0"
}

func uri(p string) string {
	p = strings.ReplaceAll(p, "\\", "/")
	return strings.TrimPrefix(p, "./")
}

// FromReport converts a report. Every rule tend has is listed (so a result's
// ruleIndex stays valid across runs).
func FromReport(rep *review.Report) *Log {
	rules := rule.All()
	idx := map[string]int{}
	driver := Driver{Name: "tend review", InformationURI: "https://github.com/tendhq/tend/blob/main/docs/review.md",
		SemanticVersion: semver(buildinfo.Get().Version)}
	for i, r := range rules {
		idx[r.ID] = i
		driver.Rules = append(driver.Rules, ReportingDescriptor{
			ID:                   r.ID,
			Name:                 camel(r.Name),
			ShortDescription:     &Message{Text: r.Name},
			FullDescription:      &Message{Text: r.Message},
			Help:                 &Message{Text: r.Recommendation + "\n\nExample:\n" + r.Fix, Markdown: r.Recommendation + "\n\n```\n" + r.Fix + "\n```"},
			DefaultConfiguration: &Configuration{Level: level(r.Severity)},
			Properties: &Properties{Tags: []string{"security", fmt.Sprintf("external/cwe/cwe-%d", r.CWE), r.Lang},
				SecuritySeverity: securitySeverity(r.Severity), Precision: "high"},
		})
	}
	run := Run{Tool: Tool{Driver: driver}, Results: []Result{}, ColumnKind: "utf16CodeUnits"}
	for _, f := range rep.Findings {
		i := idx[f.Rule]
		res := Result{
			RuleID:    f.Rule,
			RuleIndex: &i,
			Level:     level(f.Severity),
			Message:   Message{Text: f.Message + " " + f.Recommendation},
			Locations: []Location{{PhysicalLocation: PhysicalLocation{
				ArtifactLocation: ArtifactLocation{URI: uri(f.File), URIBaseID: "%SRCROOT%"},
				Region:           &Region{StartLine: max(f.Line, 1), StartColumn: max(f.Column, 1)},
			}}},
			PartialFingerprints: map[string]string{"tendFingerprint/v1": f.Fingerprint},
		}
		if len(f.Path) > 1 {
			var tf ThreadFlow
			for _, st := range f.Path {
				if st.Line < 1 {
					continue
				}
				tf.Locations = append(tf.Locations, ThreadFlowLocation{Location: Location{
					PhysicalLocation: PhysicalLocation{ArtifactLocation: ArtifactLocation{URI: uri(st.File), URIBaseID: "%SRCROOT%"},
						Region: &Region{StartLine: st.Line, StartColumn: max(st.Column, 1)}},
					Message: &Message{Text: st.Note},
				}})
			}
			if len(tf.Locations) > 0 {
				res.CodeFlows = []CodeFlow{{ThreadFlows: []ThreadFlow{tf}}}
			}
		}
		run.Results = append(run.Results, res)
	}
	return &Log{Schema: Schema, Version: Version, Runs: []Run{run}}
}

func semver(v string) string {
	v = strings.TrimPrefix(v, "v")
	if regexp.MustCompile(`^\d+\.\d+\.\d+`).MatchString(v) {
		return v
	}
	return "0.0.0-dev"
}

func camel(s string) string {
	var sb strings.Builder
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' }) {
		sb.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return sb.String()
}

// Write encodes the report as SARIF.
func Write(w io.Writer, rep *review.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(FromReport(rep))
}

// Finding is a result read back from any tool's SARIF: where, which rule, which CWEs.
type Finding struct {
	File   string
	Line   int
	RuleID string
	CWEs   []int
}

var cweRe = regexp.MustCompile(`(?i)cwe[-/_ ]?(\d+)`)

// Read parses a SARIF log and returns its results with the CWEs each
// result's rule (or the result itself) is tagged with.
func Read(r io.Reader) ([]Finding, error) {
	var lg struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string          `json:"id"`
						Properties json.RawMessage `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID     string          `json:"ruleId"`
				RuleIndex  *int            `json:"ruleIndex"`
				Properties json.RawMessage `json:"properties"`
				Locations  []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.NewDecoder(r).Decode(&lg); err != nil {
		return nil, fmt.Errorf("decode SARIF: %w", err)
	}
	if lg.Version != "" && lg.Version != Version {
		return nil, fmt.Errorf("decode SARIF: field \"version\": %q is not 2.1.0", lg.Version)
	}
	var out []Finding
	for _, run := range lg.Runs {
		ruleCWEs := map[string][]int{}
		byIndex := map[int]string{}
		for i, rl := range run.Tool.Driver.Rules {
			ruleCWEs[rl.ID] = cwesIn(rl.Properties)
			byIndex[i] = rl.ID
		}
		for _, res := range run.Results {
			id := res.RuleID
			if id == "" && res.RuleIndex != nil {
				id = byIndex[*res.RuleIndex]
			}
			cwes := append(append([]int(nil), ruleCWEs[id]...), cwesIn(res.Properties)...)
			for _, loc := range res.Locations {
				out = append(out, Finding{File: loc.PhysicalLocation.ArtifactLocation.URI, Line: loc.PhysicalLocation.Region.StartLine, RuleID: id, CWEs: cwes})
			}
		}
	}
	return out, nil
}

func cwesIn(raw json.RawMessage) []int {
	if len(raw) == 0 {
		return nil
	}
	var out []int
	for _, m := range cweRe.FindAllStringSubmatch(string(raw), -1) {
		if n, err := strconv.Atoi(m[1]); err == nil {
			out = append(out, n)
		}
	}
	return out
}
