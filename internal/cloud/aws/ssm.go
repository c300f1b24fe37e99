package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/tendhq/tend/internal/remediate"
)

var _ remediate.Params = (*Params)(nil)

// SSMAPI is the part of the SSM client Params uses.
type SSMAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, opts ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// Params reads parameters from SSM Parameter Store.
type Params struct {
	api SSMAPI
}

// NewParams returns a Params using api.
func NewParams(api SSMAPI) *Params { return &Params{api: api} }

// StringList returns a StringList (or comma-separated String or
// SecureString) parameter's values in the order the operator wrote them,
// trimmed, empty entries dropped. A trailing "/" on the name (as the seed
// writes /dynatrace/approvedinstancetypes/) is ignored. An unknown name is
// an error wrapping ErrNotFound.
func (p *Params) StringList(ctx context.Context, name string) ([]string, error) {
	name = strings.TrimSpace(name)
	if len(name) > 1 {
		name = strings.TrimRight(name, "/")
	}
	if name == "" || name == "/" {
		return nil, errors.New("get parameter: name is empty")
	}
	if len(name) > 2048 {
		return nil, fmt.Errorf("get parameter %.40q…: name longer than 2048 characters", name)
	}
	out, err := p.api.GetParameter(ctx, &ssm.GetParameterInput{Name: awssdk.String(name), WithDecryption: awssdk.Bool(true)})
	if err != nil {
		var nf *types.ParameterNotFound
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("get parameter %q: %w", name, ErrNotFound)
		}
		return nil, fmt.Errorf("get parameter %q: %w", name, err)
	}
	if out.Parameter == nil || out.Parameter.Value == nil {
		return nil, fmt.Errorf("get parameter %q: response has no value", name)
	}
	return SplitList(*out.Parameter.Value), nil
}

// SplitList splits a StringList value on commas, trimming spaces and
// dropping empty entries.
func SplitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
