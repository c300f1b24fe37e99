"""Read tend's embeddings back from DynamoDB the way the seed's code does.

    python3 read_boto3.py ENDPOINT TABLE
"""
import sys

import boto3
import numpy as np

endpoint, table = sys.argv[1], sys.argv[2]
t = boto3.resource("dynamodb", endpoint_url=endpoint).Table(table)

items, kwargs = [], {}
while True:
    page = t.scan(Limit=10, **kwargs)
    items += page["Items"]
    if "LastEvaluatedKey" not in page:
        break
    kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

item = t.get_item(Key={"ImageId": "images/007.jpg"})["Item"]
vec = np.frombuffer(item["Vector"].value, dtype=item["DataType"])
assert vec.shape == (int(item["Dimension"]),)
print(f"{len(items)} items; {item['ImageId']} {item['DataType']} {int(item['Dimension'])} {[round(float(x), 3) for x in vec[:3]]}")
