package app

import (
	"context"
	"net/http"
	"sync"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/cloud/aws"
	"github.com/tendhq/tend/internal/cloud/dynatrace"
	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/remediate"
)

// The real providers, chosen by configuration: Dynatrace API v2 for
// Dynatrace problems, and AWS (EC2, SSM, Service Catalog with S3) for the
// instance, the approved types and the catalog. Unconfigured, the embedded
// defaults in wire_remediation.go stay.
func init() {
	remediationMonitors[problem.SourceDynatrace] = dynatraceMonitor
	remediationInventory = func(ctx context.Context, a *App) (remediate.Inventory, error) {
		p, err := a.awsProviders(ctx)
		if p == nil || err != nil || !a.cfg.AWS.EC2Inventory {
			return nil, err
		}
		return p.Inventory, nil
	}
	remediationParams = func(ctx context.Context, a *App) (remediate.Params, error) {
		p, err := a.awsProviders(ctx)
		if p == nil || err != nil || !a.cfg.AWS.SSMParams {
			return nil, err
		}
		return p.Params, nil
	}
	remediationCatalog = func(ctx context.Context, a *App) (catalog.Catalog, error) {
		p, err := a.awsProviders(ctx)
		if p == nil || err != nil || !a.cfg.AWS.ServiceCatalog {
			return nil, err
		}
		return p.Catalog, nil
	}
}

func dynatraceMonitor(_ context.Context, a *App) (remediate.Monitor, error) {
	d := a.cfg.Dynatrace
	if d.URL == "" {
		return nil, nil
	}
	return dynatrace.New(dynatrace.Config{BaseURL: d.URL, Token: d.Token.Reveal(), Timeout: d.Timeout, MaxRetries: d.MaxRetries},
		&http.Client{}, a.log.With("component", "dynatrace"))
}

// awsOnce builds the AWS providers once per App, when first asked.
type awsOnce struct {
	once sync.Once
	p    *aws.Providers
	err  error
}

func (a *App) awsProviders(ctx context.Context) (*aws.Providers, error) {
	c := a.cfg.AWS
	if !c.Enabled {
		return nil, nil
	}
	o := &a.aws
	o.once.Do(func() {
		o.p, o.err = aws.New(ctx, aws.Config{Region: c.Region, Profile: c.Profile, EndpointURL: c.EndpointURL,
			TemplateBucket: c.TemplateBucket, TemplatePrefix: c.TemplatePrefix, MaxAttempts: c.MaxAttempts}, a.log.With("component", "aws"))
	})
	return o.p, o.err
}
