package app

import (
	"context"
	"fmt"
	"strings"
	"sync"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/tendhq/tend/internal/cloud/cfnstack"
	"github.com/tendhq/tend/internal/fleet"
)

func init() { fleetProviders["cfn"] = buildCFNProvider }

// buildCFNProvider adds the cfn deployment provider when AWS is enabled:
// one CloudFormation client per account and region, with tend's
// credentials or, with fleet.cfn_role, that role assumed in the account.
func buildCFNProvider(ctx context.Context, a *App) (fleet.Provider, error) {
	ac, fc := a.cfg.AWS, a.cfg.Fleet
	if !ac.Enabled {
		return nil, nil
	}
	var opts []func(*awsconfig.LoadOptions) error
	if ac.Region != "" {
		opts = append(opts, awsconfig.WithRegion(ac.Region))
	}
	if ac.Profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(ac.Profile))
	}
	base, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("aws: load configuration: %w", err)
	}
	var uploader cfnstack.TemplateUploader
	if fc.CFNTemplateBucket != "" {
		cfg := base.Copy()
		if ac.EndpointURL != "" {
			cfg.BaseEndpoint = awssdk.String(strings.TrimRight(ac.EndpointURL, "/"))
		}
		uploader = cfnstack.NewS3Uploader(cfg)
	}
	var mu sync.Mutex
	clients := map[string]*cloudformation.Client{}
	return cfnstack.NewProvider(cfnstack.ProviderOptions{
		RollbackAlarms: fc.CFNRollbackAlarms, MonitoringTime: fc.CFNMonitoringTime, Poll: fc.CFNPoll,
		TemplateBucket: fc.CFNTemplateBucket, TemplatePrefix: fc.CFNTemplatePrefix, Uploader: uploader,
		Logger: a.log.With("component", "cfn-provider"),
		Clients: func(_ context.Context, account, region string) (cfnstack.DeployAPI, error) {
			mu.Lock()
			defer mu.Unlock()
			key := account + "/" + region
			if c, ok := clients[key]; ok {
				return c, nil
			}
			cfg := base.Copy()
			cfg.Region = region
			if fc.CFNRole != "" {
				arn := fmt.Sprintf("arn:aws:iam::%s:role/%s", account, fc.CFNRole)
				cfg.Credentials = awssdk.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(base), arn,
					func(o *stscreds.AssumeRoleOptions) { o.RoleSessionName = "tend-rollout" }))
			}
			c := cloudformation.NewFromConfig(cfg, func(o *cloudformation.Options) {
				if ac.EndpointURL != "" {
					o.BaseEndpoint = awssdk.String(strings.TrimRight(ac.EndpointURL, "/"))
				}
				if ac.MaxAttempts > 0 {
					o.RetryMaxAttempts = ac.MaxAttempts
				}
			})
			clients[key] = c
			return c, nil
		},
	})
}
