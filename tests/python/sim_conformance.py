"""Drives the simulator with the official Tencent Cloud Python SDK (CVM, VPC,
Tag parts of the guide): every response must parse into the SDK's own
models, and unknown response fields are errors (the SDK warns about them).

usage: sim_conformance.py HOST:PORT SECRET_ID SECRET_KEY
Prints one line per step: `ok <Action> <detail>`; exits non-zero on failure.
"""
import json
import sys
import time
import warnings

warnings.simplefilter("error")  # the SDK warns on fields its models lack

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.cvm.v20170312 import cvm_client, models as cvm
from tencentcloud.tag.v20180813 import tag_client, models as tag
from tencentcloud.vpc.v20170312 import vpc_client, models as vpc

endpoint, secret_id, secret_key = sys.argv[1:4]
cred = credential.Credential(secret_id, secret_key)


def profile():
    hp = HttpProfile(protocol="http", endpoint=endpoint, reqTimeout=10)
    return ClientProfile(httpProfile=hp)


REGION = "ap-guangzhou"
cvmc = cvm_client.CvmClient(cred, REGION, profile())
vpcc = vpc_client.VpcClient(cred, REGION, profile())
tagc = tag_client.TagClient(cred, REGION, profile())


def req(model, params):
    r = model()
    r.from_json_string(json.dumps(params))
    return r


def ok(action, detail=""):
    print("ok", action, detail, flush=True)


def poll(what, fn, until, timeout=20):
    deadline = time.time() + timeout
    seen = []
    while True:
        v = fn()
        if not seen or seen[-1] != v:
            seen.append(v)
        if until(v):
            return seen
        if time.time() > deadline:
            raise SystemExit(f"{what}: stuck at {seen}")
        time.sleep(0.05)


r = cvmc.DescribeRegions(cvm.DescribeRegionsRequest())
assert [x.Region for x in r.RegionSet] == ["ap-guangzhou", "ap-shanghai"], r.to_json_string()
ok("DescribeRegions", r.TotalCount)

r = cvmc.DescribeZones(cvm.DescribeZonesRequest())
assert r.TotalCount == 3
ok("DescribeZones", r.TotalCount)

r = cvmc.DescribeInstances(req(cvm.DescribeInstancesRequest, {
    "Filters": [{"Name": "project-id", "Values": ["1002189"]}, {"Name": "zone", "Values": ["ap-guangzhou-3"]}],
    "Limit": 100,
}))
names = sorted(i.InstanceName for i in r.InstanceSet)
assert "mina_auth" in names and "node-weapp-demo" in names, names
session = next(i for i in r.InstanceSet if i.InstanceId == "ins-auth0001")
assert session.Placement.ProjectId == 1002189
assert session.VirtualPrivateCloud.SubnetId == "subnet-gz3a1b2c"
ok("DescribeInstances", r.TotalCount)

r = cvmc.DescribeImageQuota(cvm.DescribeImageQuotaRequest())
ok("DescribeImageQuota", r.ImageNumQuota)

r = cvmc.DescribeAccountQuota(cvm.DescribeAccountQuotaRequest())
assert r.AccountQuotaOverview.Region == REGION
ok("DescribeAccountQuota", len(r.AccountQuotaOverview.AccountQuota.PostPaidQuotaSet))

r = cvmc.CreateImage(req(cvm.CreateImageRequest, {"InstanceId": "ins-auth0001", "ImageName": "mina_auth-sdk"}))
image_id = r.ImageId
states = poll("image", lambda: cvmc.DescribeImages(req(cvm.DescribeImagesRequest, {"ImageIds": [image_id]})).ImageSet[0].ImageState,
              lambda s: s != "CREATING")
assert states == ["CREATING", "NORMAL"], states
ok("CreateImage+DescribeImages", "->".join(states))

r = cvmc.DescribeImages(req(cvm.DescribeImagesRequest, {"Filters": [{"Name": "image-type", "Values": ["PRIVATE_IMAGE"]}]}))
assert image_id in [i.ImageId for i in r.ImageSet]
ok("DescribeImages", r.TotalCount)

launch = {
    "Placement": {"Zone": "ap-guangzhou-3", "ProjectId": 1002189},
    "ImageId": image_id,
    "InstanceType": "S5.MEDIUM4",
    "VirtualPrivateCloud": {"VpcId": "vpc-gz8k2m9a", "SubnetId": "subnet-gz3a1b2c"},
    "SecurityGroupIds": ["sg-auth4c5d"],
    "InternetAccessible": {"InternetChargeType": "TRAFFIC_POSTPAID_BY_HOUR", "InternetMaxBandwidthOut": 5, "PublicIpAssigned": True},
    "InstanceCount": 2,
    "InstanceName": "mina_auth-{R:2}",
    "ClientToken": "sdk-conformance-1",
}
price = cvmc.InquiryPriceRunInstances(req(cvm.InquiryPriceRunInstancesRequest, {k: v for k, v in launch.items() if k != "ClientToken"}))
assert price.Price.InstancePrice.UnitPrice > 0
ok("InquiryPriceRunInstances", price.Price.InstancePrice.UnitPrice)

dry = cvmc.RunInstances(req(cvm.RunInstancesRequest, dict(launch, DryRun=True, ClientToken="dry")))
assert dry.InstanceIdSet is None and dry.RequestId
ok("RunInstances(DryRun)")

first = cvmc.RunInstances(req(cvm.RunInstancesRequest, launch)).InstanceIdSet
again = cvmc.RunInstances(req(cvm.RunInstancesRequest, launch)).InstanceIdSet
assert first == again and len(first) == 2, (first, again)
ok("RunInstances(ClientToken)", ",".join(first))

def launch_states():
    r = cvmc.DescribeInstances(req(cvm.DescribeInstancesRequest, {"InstanceIds": first}))
    return tuple(sorted(i.InstanceState for i in r.InstanceSet))

states = poll("launch", launch_states, lambda s: s == ("RUNNING", "RUNNING"))
assert states[0] == ("PENDING", "PENDING"), states
ok("DescribeInstances(poll)", states)

r = cvmc.DescribeInstancesStatus(req(cvm.DescribeInstancesStatusRequest, {"InstanceIds": first}))
assert all(s.InstanceState == "RUNNING" for s in r.InstanceStatusSet)
ok("DescribeInstancesStatus", r.TotalCount)

r = vpcc.DescribeVpcs(vpc.DescribeVpcsRequest())
assert r.VpcSet[0].VpcId == "vpc-gz8k2m9a"
ok("DescribeVpcs", r.TotalCount)

r = vpcc.DescribeSubnets(req(vpc.DescribeSubnetsRequest, {"Filters": [{"Name": "vpc-id", "Values": ["vpc-gz8k2m9a"]}]}))
assert r.TotalCount == 2
ok("DescribeSubnets", r.TotalCount)

r = vpcc.DescribeSecurityGroups(req(vpc.DescribeSecurityGroupsRequest, {"SecurityGroupIds": ["sg-auth4c5d"]}))
assert r.SecurityGroupSet[0].SecurityGroupName == "mina-auth"
ok("DescribeSecurityGroups", r.TotalCount)

r = vpcc.DescribeSecurityGroupPolicies(req(vpc.DescribeSecurityGroupPoliciesRequest, {"SecurityGroupId": "sg-auth4c5d"}))
version = r.SecurityGroupPolicySet.Version
ok("DescribeSecurityGroupPolicies", version)

vpcc.CreateSecurityGroupPolicies(req(vpc.CreateSecurityGroupPoliciesRequest, {
    "SecurityGroupId": "sg-auth4c5d",
    "SecurityGroupPolicySet": {"Version": version, "Ingress": [
        {"PolicyIndex": 0, "Protocol": "TCP", "Port": "80", "CidrBlock": "10.0.0.0/16", "Action": "ACCEPT", "PolicyDescription": "CLB VIP"}]},
}))
r = vpcc.DescribeSecurityGroupPolicies(req(vpc.DescribeSecurityGroupPoliciesRequest, {"SecurityGroupId": "sg-auth4c5d"}))
assert r.SecurityGroupPolicySet.Ingress[0].CidrBlock == "10.0.0.0/16"
assert int(r.SecurityGroupPolicySet.Version) == int(version) + 1
ok("CreateSecurityGroupPolicies", r.SecurityGroupPolicySet.Version)

r = tagc.DescribeProjects(req(tag.DescribeProjectsRequest, {"AllList": 1, "Limit": 1000, "Offset": 0}))
assert "微信小程序" in [p.ProjectName for p in r.Projects]
ok("DescribeProjects", r.Total)

try:
    cvmc.DescribeInstances(req(cvm.DescribeInstancesRequest, {"Limit": 101}))
    raise SystemExit("Limit 101 was accepted")
except TencentCloudSDKException as e:
    assert e.get_code() == "InvalidParameterValueLimit", e
    assert e.get_request_id()
    ok("error", e.get_code())

cvmc.TerminateInstances(req(cvm.TerminateInstancesRequest, {"InstanceIds": first}))
ok("TerminateInstances")
cvmc.DeleteImages(req(cvm.DeleteImagesRequest, {"ImageIds": [image_id]}))
ok("DeleteImages")
print("done", flush=True)
