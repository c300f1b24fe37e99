"""Drives tend's DevOps Guru API with boto3 (python3-boto3), as a user's
script would: paginators, describe calls and the errors. Prints one JSON
object with what it saw; the Go test checks it. Usage:
boto3_client.py ENDPOINT ACCESS_KEY_ID SECRET FROM_EPOCH"""
import datetime
import json
import sys

import boto3
import botocore.config
from botocore.exceptions import ClientError

endpoint, key_id, secret, from_epoch = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
cfg = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})


def client(secret_key):
    return boto3.client("devops-guru", endpoint_url=endpoint, region_name="eu-west-1",
                        aws_access_key_id=key_id, aws_secret_access_key=secret_key, config=cfg)


c = client(secret)
out = {}
start = datetime.datetime.fromtimestamp(from_epoch, tz=datetime.timezone.utc)

pages, ids = 0, []
for page in c.get_paginator("list_insights").paginate(
        StatusFilter={"Any": {"Type": "REACTIVE", "StartTimeRange": {"FromTime": start}}},
        PaginationConfig={"PageSize": 100}):
    pages += 1
    ids += [i["Id"] for i in page["ReactiveInsights"]]
out["list_pages"], out["list_ids"], out["list_unique"] = pages, len(ids), len(set(ids))

high = 0
for page in c.get_paginator("search_insights").paginate(
        StartTimeRange={"FromTime": start}, Type="REACTIVE",
        Filters={"Severities": ["HIGH"], "Statuses": ["ONGOING"]}, PaginationConfig={"PageSize": 50}):
    high += len(page["ReactiveInsights"])
out["search_high_ongoing"] = high

d = c.describe_insight(Id="ins-0010")["ReactiveInsight"]
out["describe"] = {"Id": d["Id"], "Status": d["Status"], "Severity": d["Severity"],
                   "Start": d["InsightTimeRange"]["StartTime"].timestamp(),
                   "Stacks": d["ResourceCollection"]["CloudFormation"]["StackNames"]}

anoms = []
for page in c.get_paginator("list_anomalies_for_insight").paginate(InsightId="ins-0010"):
    anoms += page["ReactiveAnomalies"]
m = anoms[0]["SourceDetails"]["CloudWatchMetrics"][0]
out["anomaly"] = {"Id": anoms[0]["Id"], "MetricName": m["MetricName"], "Namespace": m["Namespace"], "Stat": m["Stat"],
                  "Period": m["Period"], "Points": len(m["MetricDataSummary"]["TimestampMetricValuePairList"])}

h = c.describe_account_health()
out["health"] = {"OpenReactiveInsights": h["OpenReactiveInsights"], "OpenProactiveInsights": h["OpenProactiveInsights"]}


def error_of(call):
    try:
        call()
    except ClientError as e:
        return {"Code": e.response["Error"]["Code"], "Status": e.response["ResponseMetadata"]["HTTPStatusCode"],
                "Message": e.response["Error"].get("Message", "")}
    return None


out["wrong_secret"] = error_of(lambda: client("x" * 40).describe_insight(Id="ins-0010"))
out["unknown_operation"] = error_of(lambda: c.describe_feedback())
out["not_found"] = error_of(lambda: c.describe_insight(Id="nope"))
out["validation"] = error_of(lambda: c.list_insights(StatusFilter={}))
print(json.dumps(out))
