package cfn

import (
	"strings"
	"testing"
)

func TestByteOrderMark(t *testing.T) {
	in := "\xef\xbb\xbfResources: {A: {Type: AWS::EC2::Instance, Properties: {InstanceType: t3.small}}}\n"
	out, err := NewEditor("").SetInstanceType([]byte(in), "", "t3.large")
	if err != nil || string(out) != strings.Replace(in, "t3.small", "t3.large", 1) {
		t.Errorf("got %q, %v", out, err)
	}
	in2 := "\xef\xbb\xbfResources:\n  A:\n    Type: AWS::EC2::Instance\n    Properties: {InstanceType: t3.small}\n"
	out, err = NewEditor("").SetInstanceType([]byte(in2), "", "t3.large")
	if err != nil || string(out) != strings.Replace(in2, "t3.small", "t3.large", 1) {
		t.Errorf("got %q, %v", out, err)
	}
	in3 := "\xef\xbb\xbf{\"Resources\": {\"A\": {\"Type\": \"AWS::EC2::Instance\", \"Properties\": {\"InstanceType\": \"t3.small\"}}}}"
	out, err = NewEditor("").SetInstanceType([]byte(in3), "", "t3.large")
	if err != nil || string(out) != strings.Replace(in3, "t3.small", "t3.large", 1) {
		t.Errorf("got %q, %v", out, err)
	}
}
