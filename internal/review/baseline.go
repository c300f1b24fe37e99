package review

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// Baseline is the set of findings accepted before: a CI run that compares
// against it fails only on findings not in it. It matches on fingerprints,
// which survive edits that only move code.
type Baseline struct {
	fingerprints map[string]bool
}

// Contains reports whether f was in the baseline.
func (b *Baseline) Contains(f Finding) bool { return b != nil && b.fingerprints[f.Fingerprint] }

// Len is the number of findings in the baseline.
func (b *Baseline) Len() int { return len(b.fingerprints) }

// ReadBaseline reads a baseline: a report written by tend review
// --format json, or SARIF written by --format sarif.
func ReadBaseline(r io.Reader) (*Baseline, error) {
	var doc struct {
		Findings []struct {
			Fingerprint string `json:"fingerprint"`
		} `json:"findings"`
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				PartialFingerprints map[string]string `json:"partialFingerprints"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("read baseline: not a tend review JSON or SARIF file: %w", err)
	}
	b := &Baseline{fingerprints: map[string]bool{}}
	for _, f := range doc.Findings {
		if f.Fingerprint == "" {
			return nil, fmt.Errorf("read baseline: a finding has no field \"fingerprint\" (write the baseline with tend review --format json)")
		}
		b.fingerprints[f.Fingerprint] = true
	}
	for _, run := range doc.Runs {
		for _, res := range run.Results {
			if fp := res.PartialFingerprints["tendFingerprint/v1"]; fp != "" {
				b.fingerprints[fp] = true
			}
		}
	}
	if doc.Findings == nil && doc.Runs == nil {
		return nil, fmt.Errorf("read baseline: neither field \"findings\" (tend JSON) nor \"runs\" (SARIF) is present")
	}
	return b, nil
}

// ReadBaselineFile reads a baseline file.
func ReadBaselineFile(path string) (*Baseline, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--baseline: %w", err)
	}
	defer f.Close()
	b, err := ReadBaseline(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// New returns the findings not in the baseline.
func (r *Report) New(b *Baseline) []Finding {
	if b == nil {
		return r.Findings
	}
	var out []Finding
	for _, f := range r.Findings {
		if !b.Contains(f) {
			out = append(out, f)
		}
	}
	return out
}
