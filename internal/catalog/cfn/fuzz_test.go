package cfn

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzSetInstanceType(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/*/input.*")
	for _, p := range inputs {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "", "t3.medium")
		f.Add(b, "Worker", "m5.xlarge")
	}
	f.Add([]byte("Resources: {A: {Type: AWS::EC2::Instance, Properties: {InstanceType: &a t3.small}}, B: *a}"), "", "t3.large")
	f.Add([]byte("Parameters: {P: {Default: x.y, AllowedValues: []}}\nResources: {A: {Type: AWS::EC2::Instance, Properties: {InstanceType: !Ref P}}}"), "A", "t3.large")
	f.Fuzz(func(t *testing.T, tmpl []byte, logicalID, newType string) {
		ed := NewEditor("")
		out, err := ed.SetInstanceType(tmpl, logicalID, newType)
		if err != nil {
			return
		}
		got, err := ed.InstanceType(out, logicalID)
		if err != nil {
			t.Fatalf("edited template does not read back: %v\nin:  %q\nout: %q", err, tmpl, out)
		}
		if got != newType {
			t.Fatalf("InstanceType(out) = %q, want %q", got, newType)
		}
		if strings.Count(string(out), "\n") < strings.Count(string(tmpl), "\n") {
			t.Fatalf("edit removed lines:\nin:  %q\nout: %q", tmpl, out)
		}
	})
}
