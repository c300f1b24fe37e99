package hcl

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the want.tf golden files")

func TestGolden(t *testing.T) {
	argFiles, err := filepath.Glob("testdata/*/args")
	if err != nil || len(argFiles) < 6 {
		t.Fatalf("golden cases: %d, %v", len(argFiles), err)
	}
	for _, a := range argFiles {
		dir := filepath.Dir(a)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			raw, err := os.ReadFile(a)
			if err != nil {
				t.Fatal(err)
			}
			var address, newType, current, wantErr, wantDiff string
			for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
				k, v, _ := strings.Cut(line, ":")
				v = strings.TrimSpace(v)
				switch k {
				case "address":
					address = v
				case "type":
					newType = v
				case "current":
					current = v
				case "error":
					wantErr = v
				case "diff":
					wantDiff = v
				default:
					t.Fatalf("unknown key %q", k)
				}
			}
			in, err := os.ReadFile(filepath.Join(dir, "input.tf"))
			if err != nil {
				t.Fatal(err)
			}
			var ed Editor
			out, err := ed.SetInstanceType(in, address, newType)
			if wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, err := ed.InstanceType(in, address); err != nil || got != current {
				t.Errorf("InstanceType(input) = %q, %v; want %q", got, err, current)
			}
			if got, err := ed.InstanceType(out, address); err != nil || got != newType {
				t.Errorf("InstanceType(output) = %q, %v; want %q", got, err, newType)
			}
			if d := lineDiff(in, out); d != wantDiff {
				t.Errorf("changed lines = %q, want %q\n%s", d, wantDiff, out)
			}
			wantPath := filepath.Join(dir, "want.tf")
			if *update {
				if err := os.WriteFile(wantPath, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(wantPath)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("output differs from %s:\n%s", wantPath, out)
			}
		})
	}
}

func TestInvalidInput(t *testing.T) {
	var ed Editor
	if _, err := ed.SetInstanceType([]byte(`resource "aws_instance" "a" { instance_type = "t3.micro" }`), "", "T3 MICRO"); err == nil || !strings.Contains(err.Error(), "invalid instance type") {
		t.Errorf("bad type: %v", err)
	}
	if _, err := ed.InstanceType([]byte(`resource "aws_instance" "a" {`), ""); err == nil || !strings.Contains(err.Error(), "parse Terraform") {
		t.Errorf("bad syntax: %v", err)
	}
	if _, err := ed.InstanceType(make([]byte, MaxTemplateSize+1), ""); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("too large: %v", err)
	}
	if _, err := ed.InstanceType([]byte("resource \"aws_instance\" \"a\" {\n  instance_type = \"t3.${var.size}\"\n}\n"), ""); err == nil {
		t.Error("template expression accepted")
	}
}

func FuzzSetInstanceType(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/*/input.tf")
	for _, p := range inputs {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "", "t3.medium")
		f.Add(b, "aws_instance.bastion", "m5.xlarge")
	}
	f.Fuzz(func(t *testing.T, tmpl []byte, address, newType string) {
		var ed Editor
		out, err := ed.SetInstanceType(tmpl, address, newType)
		if err != nil {
			return
		}
		if got, err := ed.InstanceType(out, address); err != nil || got != newType {
			t.Fatalf("InstanceType(out) = %q, %v; want %q", got, err, newType)
		}
	})
}

// lineDiff returns the lines removed from a ("-N") and added in b ("+N").
func lineDiff(a, b []byte) string {
	la, lb := strings.SplitAfter(string(a), "\n"), strings.SplitAfter(string(b), "\n")
	n, m := len(la), len(lb)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if la[i] == lb[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var minus, plus []string
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && la[i] == lb[j]:
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			plus = append(plus, fmt.Sprintf("+%d", j+1))
			j++
		default:
			minus = append(minus, fmt.Sprintf("-%d", i+1))
			i++
		}
	}
	return strings.Join(append(minus, plus...), " ")
}
