package devopsguru_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	dg "github.com/aws/aws-sdk-go-v2/service/devopsguru"
	"github.com/aws/aws-sdk-go-v2/service/devopsguru/types"
	"github.com/aws/smithy-go"
)

func sdkClient(endpoint, id, secret string) *dg.Client {
	return dg.New(dg.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, ""),
		HTTPClient:   &http.Client{Timeout: 20 * time.Second},
		Retryer:      aws.NopRetryer{},
	})
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// TestGoSDK drives tend with the AWS SDK for Go v2's DevOps Guru client.
func TestGoSDK(t *testing.T) {
	ts := startTend(t)
	ts.seed(t, 250)
	id, secret := ts.key(t, []string{"read"})
	c := sdkClient(ts.endpoint, id, secret)
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()

	// Paging across the 250 ongoing and closed reactive insights.
	p := dg.NewListInsightsPaginator(c, &dg.ListInsightsInput{
		StatusFilter: &types.ListInsightsStatusFilter{Any: &types.ListInsightsAnyStatusFilter{
			Type: types.InsightTypeReactive, StartTimeRange: &types.StartTimeRange{FromTime: aws.Time(ts.base.Add(-time.Hour))}}},
		MaxResults: aws.Int32(100)})
	seen, pages := map[string]bool{}, 0
	var prev time.Time
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("page %d: %v", pages+1, err)
		}
		pages++
		for _, in := range out.ReactiveInsights {
			if seen[*in.Id] {
				t.Fatalf("insight %s on two pages", *in.Id)
			}
			seen[*in.Id] = true
			if !prev.IsZero() && in.InsightTimeRange.StartTime.After(prev) {
				t.Fatalf("not newest first: %s after %s", in.InsightTimeRange.StartTime, prev)
			}
			prev = *in.InsightTimeRange.StartTime
		}
	}
	if len(seen) != 250 || pages != 3 {
		t.Fatalf("paged %d insights in %d pages, want 250 in 3", len(seen), pages)
	}

	// A token is tied to its query.
	first, err := c.ListInsights(ctx, &dg.ListInsightsInput{StatusFilter: &types.ListInsightsStatusFilter{
		Ongoing: &types.ListInsightsOngoingStatusFilter{Type: types.InsightTypeReactive}}, MaxResults: aws.Int32(10)})
	if err != nil || first.NextToken == nil {
		t.Fatalf("first page: %v", err)
	}
	_, err = c.ListInsights(ctx, &dg.ListInsightsInput{StatusFilter: &types.ListInsightsStatusFilter{
		Closed: &types.ListInsightsClosedStatusFilter{Type: types.InsightTypeReactive, EndTimeRange: &types.EndTimeRange{}}}, NextToken: first.NextToken})
	var tokErr *types.ValidationException
	if !errors.As(err, &tokErr) || *tokErr.Fields[0].Name != "NextToken" {
		t.Fatalf("another query's token: %v", err)
	}

	// Ongoing only: 250 - 36 closed (every 7th of 0..249).
	n := 0
	op := dg.NewListInsightsPaginator(c, &dg.ListInsightsInput{StatusFilter: &types.ListInsightsStatusFilter{
		Ongoing: &types.ListInsightsOngoingStatusFilter{Type: types.InsightTypeReactive}}})
	for op.HasMorePages() {
		out, err := op.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range out.ReactiveInsights {
			if in.Status != types.InsightStatusOngoing {
				t.Fatalf("%s is %s in the ongoing list", *in.Id, in.Status)
			}
			n++
		}
	}
	if n != 214 {
		t.Fatalf("ongoing reactive insights: %d, want 214", n)
	}

	// Closed ones whose end falls in a range.
	closed, err := c.ListInsights(ctx, &dg.ListInsightsInput{StatusFilter: &types.ListInsightsStatusFilter{
		Closed: &types.ListInsightsClosedStatusFilter{Type: types.InsightTypeReactive, EndTimeRange: &types.EndTimeRange{
			FromTime: aws.Time(ts.base), ToTime: aws.Time(ts.base.Add(100 * time.Minute))}}}})
	if err != nil {
		t.Fatal(err)
	}
	// ends at i+30 min for i = 0, 7, …, 63 (< 100 min): 10 insights.
	if len(closed.ReactiveInsights) != 10 {
		t.Fatalf("closed in range: %d, want 10", len(closed.ReactiveInsights))
	}

	d, err := c.DescribeInsight(ctx, &dg.DescribeInsightInput{Id: aws.String("ins-0007")})
	if err != nil {
		t.Fatal(err)
	}
	ri := d.ReactiveInsight
	if ri == nil || *ri.Id != "ins-0007" || ri.Status != types.InsightStatusClosed || ri.Severity != types.InsightSeverityMedium ||
		ri.ResourceCollection.CloudFormation.StackNames[0] != "shop" || ri.InsightTimeRange.EndTime.Sub(*ri.InsightTimeRange.StartTime) != 30*time.Minute || ri.SsmOpsItemId != nil {
		t.Fatalf("describe insight: %+v", ri)
	}

	pro, err := c.DescribeInsight(ctx, &dg.DescribeInsightInput{Id: aws.String("pro-0001")})
	if err != nil {
		t.Fatal(err)
	}
	if pro.ProactiveInsight == nil || pro.ProactiveInsight.PredictionTimeRange == nil ||
		*pro.ProactiveInsight.ResourceCollection.Tags[0].AppBoundaryKey != "devops-guru-app" {
		t.Fatalf("proactive insight: %+v", pro.ProactiveInsight)
	}

	an, err := c.ListAnomaliesForInsight(ctx, &dg.ListAnomaliesForInsightInput{InsightId: aws.String("ins-0003")})
	if err != nil {
		t.Fatal(err)
	}
	if len(an.ReactiveAnomalies) != 1 {
		t.Fatalf("anomalies: %+v", an)
	}
	m := an.ReactiveAnomalies[0].SourceDetails.CloudWatchMetrics[0]
	if *m.MetricName != "node_cpu_utilization" || *m.Namespace != "AWS/EC2" || m.Stat != types.CloudWatchMetricsStatAverage ||
		*m.Unit != "Percent" || m.Period != 60 || len(m.MetricDataSummary.TimestampMetricValuePairList) != 2 || *m.Dimensions[0].Name != "instance" {
		t.Fatalf("metric: %+v", m)
	}

	da, err := c.DescribeAnomaly(ctx, &dg.DescribeAnomalyInput{Id: aws.String("pro-anom-1")})
	if err != nil {
		t.Fatal(err)
	}
	if da.ProactiveAnomaly == nil || *da.ProactiveAnomaly.Limit != 100 || da.ProactiveAnomaly.PredictionTimeRange == nil {
		t.Fatalf("proactive anomaly: %+v", da.ProactiveAnomaly)
	}

	// Errors in the service's shapes.
	_, err = c.DescribeInsight(ctx, &dg.DescribeInsightInput{Id: aws.String("no-such")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || *nf.ResourceId != "no-such" {
		t.Fatalf("unknown insight: %v", err)
	}
	_, err = c.ListInsights(ctx, &dg.ListInsightsInput{StatusFilter: &types.ListInsightsStatusFilter{}})
	var ve *types.ValidationException
	if !errors.As(err, &ve) || len(ve.Fields) != 1 || *ve.Fields[0].Name != "StatusFilter" {
		t.Fatalf("empty status filter: %v", err)
	}
	_, err = c.AddNotificationChannel(ctx, &dg.AddNotificationChannelInput{Config: &types.NotificationChannelConfig{
		Sns: &types.SnsChannelConfig{TopicArn: aws.String("arn:aws:sns:eu-west-1:111111111111:ops")}}})
	var ad *types.AccessDeniedException
	if !errors.As(err, &ad) {
		t.Fatalf("a read key adding a channel: %v", err)
	}

	bad := sdkClient(ts.endpoint, id, "wrong"+secret[5:])
	if _, err := bad.DescribeAccountHealth(ctx, &dg.DescribeAccountHealthInput{}); apiCode(err) != "InvalidSignatureException" {
		t.Fatalf("wrong secret: %v", err)
	}
	unknown := sdkClient(ts.endpoint, "TENDAAAAAAAAAAAAAAAA", secret)
	if _, err := unknown.DescribeAccountHealth(ctx, &dg.DescribeAccountHealthInput{}); apiCode(err) != "UnrecognizedClientException" {
		t.Fatalf("unknown key: %v", err)
	}
	if _, err := c.DescribeFeedback(ctx, &dg.DescribeFeedbackInput{}); apiCode(err) != "UnknownOperationException" {
		t.Fatalf("unsupported operation: %v", err)
	}

	h, err := c.DescribeAccountHealth(ctx, &dg.DescribeAccountHealthInput{})
	if err != nil {
		t.Fatal(err)
	}
	if h.OpenReactiveInsights != 214 || h.OpenProactiveInsights != 1 {
		t.Fatalf("health: %+v", h)
	}
}

// TestGoSDKAccounts checks that a key sees only its accounts.
func TestGoSDKAccounts(t *testing.T) {
	ts := startTend(t)
	ts.seed(t, 20)
	id, secret := ts.key(t, []string{"read"}, "222222222222")
	c := sdkClient(ts.endpoint, id, secret)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := c.ListInsights(ctx, &dg.ListInsightsInput{StatusFilter: &types.ListInsightsStatusFilter{
		Any: &types.ListInsightsAnyStatusFilter{Type: types.InsightTypeReactive, StartTimeRange: &types.StartTimeRange{FromTime: aws.Time(ts.base.Add(-time.Hour))}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ReactiveInsights) != 4 { // 0, 5, 10, 15
		t.Fatalf("a key of account 222222222222 sees %d insights, want 4", len(out.ReactiveInsights))
	}
	if _, err := c.DescribeInsight(ctx, &dg.DescribeInsightInput{Id: aws.String("ins-0001")}); apiCode(err) != "ResourceNotFoundException" {
		t.Fatalf("another account's insight: %v", err)
	}
	if _, err := c.DescribeInsight(ctx, &dg.DescribeInsightInput{Id: aws.String("ins-0005")}); err != nil {
		t.Fatalf("its own account's insight: %v", err)
	}
	if _, err := c.ListOrganizationInsights(ctx, &dg.ListOrganizationInsightsInput{StatusFilter: &types.ListInsightsStatusFilter{
		Ongoing: &types.ListInsightsOngoingStatusFilter{Type: types.InsightTypeReactive}}}); apiCode(err) != "AccessDeniedException" {
		t.Fatalf("a member key listing the organisation: %v", err)
	}
}
