package cfn

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/catalog"
)

func TestSetInstanceTypeEdges(t *testing.T) {
	tests := []struct {
		name, in, id, newType, want, wantErr string
	}{
		{
			name:    "block list at end of file without newline",
			in:      "Resources:\n  A:\n    Type: AWS::EC2::Instance\n    Properties: {InstanceType: !Ref T}\nParameters:\n  T:\n    Default: t3.small\n    AllowedValues:\n      - t3.small",
			newType: "t3.large",
			want:    "Resources:\n  A:\n    Type: AWS::EC2::Instance\n    Properties: {InstanceType: !Ref T}\nParameters:\n  T:\n    Default: t3.large\n    AllowedValues:\n      - t3.small\n      - t3.large",
		},
		{
			name:    "empty flow list",
			in:      "Parameters: {T: {Default: t3.small, AllowedValues: []}}\nResources: {A: {Type: AWS::EC2::Instance, Properties: {InstanceType: !Ref T}}}\n",
			newType: "t3.large",
			want:    "Parameters: {T: {Default: t3.large, AllowedValues: [t3.large]}}\nResources: {A: {Type: AWS::EC2::Instance, Properties: {InstanceType: !Ref T}}}\n",
		},
		{
			name:    "anchored default keeps its anchor",
			in:      "Parameters:\n  T:\n    Default: &d t3.small\nResources:\n  A:\n    Type: AWS::EC2::Instance\n    Properties:\n      InstanceType: !Ref T\n",
			newType: "t3.large",
			want:    "Parameters:\n  T:\n    Default: &d t3.large\nResources:\n  A:\n    Type: AWS::EC2::Instance\n    Properties:\n      InstanceType: !Ref T\n",
		},
		{
			name:    "value through alias is refused",
			in:      "Defaults: &size t3.small\nResources:\n  A:\n    Type: AWS::EC2::Instance\n    Properties:\n      InstanceType: *size\n",
			newType: "t3.large",
			wantErr: "YAML alias",
		},
		{
			name:    "block scalar is refused",
			in:      "Resources:\n  A:\n    Type: AWS::EC2::Instance\n    Properties:\n      InstanceType: |-\n        t3.small\n",
			newType: "t3.large",
			wantErr: "cannot be changed in place",
		},
		{
			name:    "ref to resource",
			in:      "Resources:\n  A:\n    Type: AWS::EC2::Instance\n    Properties:\n      InstanceType: !Ref B\n  B:\n    Type: AWS::S3::Bucket\n",
			newType: "t3.large",
			wantErr: `refers to resource "B"`,
		},
		{
			name:    "logical id of a non-instance",
			in:      "Resources:\n  A:\n    Type: AWS::EC2::Instance\n    Properties:\n      InstanceType: t3.small\n  B:\n    Type: AWS::S3::Bucket\n",
			id:      "B",
			newType: "t3.large",
			wantErr: `resource "B" is a AWS::S3::Bucket`,
		},
		{
			name:    "two documents",
			in:      "Resources: {}\n---\nResources: {}\n",
			newType: "t3.large",
			wantErr: "more than one document",
		},
		{
			name:    "escaped JSON string",
			in:      `{"Resources": {"A": {"Type": "AWS::EC2::Instance", "Properties": {"InstanceType": "t3.sm\u0061ll"}}}}`,
			newType: "t3.large",
			wantErr: "escaped scalar",
		},
		{
			name:    "JSON trailing garbage",
			in:      `{"Resources": {}} {}`,
			newType: "t3.large",
			wantErr: "unexpected data",
		},
		{
			name:    "JSON duplicate key",
			in:      `{"Resources": {}, "Resources": {}}`,
			newType: "t3.large",
			wantErr: `duplicate key "Resources"`,
		},
		{
			name:    "mapping entry missing",
			in:      "Mappings: {M: {a: {T: t3.small}}}\nResources:\n  A:\n    Type: AWS::EC2::Instance\n    Properties:\n      InstanceType: !FindInMap [M, b, T]\n",
			newType: "t3.large",
			wantErr: `Mappings.M has no key "b"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := NewEditor("").SetInstanceType([]byte(tt.in), tt.id, tt.newType)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Errorf("got\n%q\nwant\n%q", out, tt.want)
			}
		})
	}
}

func TestTooLargeAndBadFormat(t *testing.T) {
	big := make([]byte, MaxTemplateSize+1)
	if _, err := NewEditor(catalog.FormatCFNYAML).InstanceType(big, ""); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("oversized template: err = %v", err)
	}
	if _, err := NewEditor(catalog.FormatHCL).InstanceType([]byte("{}"), ""); err == nil || !strings.Contains(err.Error(), "unsupported format") {
		t.Errorf("hcl format: err = %v", err)
	}
}

// BenchmarkSetInstanceType edits the Service Catalog product template
// (parse, resolve, splice, re-parse to verify).
func BenchmarkSetInstanceType(b *testing.B) {
	for _, f := range []string{"sc-ec2-product/input.yaml", "ref-json-2space/input.json"} {
		in, err := os.ReadFile("testdata/" + f)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Ext(f)[1:], func(b *testing.B) {
			ed := NewEditor("")
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if _, err := ed.SetInstanceType(in, "", "t3.xlarge"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
