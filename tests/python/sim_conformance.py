"""Drives the simulator with the official Tencent Cloud Python SDK through the
whole guide (CVM, VPC, Tag, CLB, TAT, AS): every response must parse into the SDK's own
models, and unknown response fields are errors (the SDK warns about them).

usage: sim_conformance.py HOST:PORT SECRET_ID SECRET_KEY [RECORD.jsonl]
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
from tencentcloud.clb.v20180317 import clb_client, models as clb
from tencentcloud.tat.v20201028 import tat_client, models as tat
from tencentcloud.autoscaling.v20180419 import autoscaling_client, models as autoscaling
import base64

endpoint, secret_id, secret_key = sys.argv[1:4]
# optional 4th argument: a file receiving every raw answer, one JSON line
# {"service", "action", "response"} each, for the output-required check
record = open(sys.argv[4], "w") if len(sys.argv) > 4 else None
cred = credential.Credential(secret_id, secret_key)

if record:
    from tencentcloud.common.abstract_client import AbstractClient

    _call = AbstractClient.call

    def _recorded(self, action, params, options=None, headers=None):
        body = _call(self, action, params, options, headers)
        text = body.decode() if isinstance(body, bytes) else body
        record.write(json.dumps({"service": self._service, "action": action, "request": params,
                                 "response": json.loads(text)["Response"]}) + "\n")
        record.flush()
        return body

    AbstractClient.call = _recorded


def profile():
    hp = HttpProfile(protocol="http", endpoint=endpoint, reqTimeout=10)
    return ClientProfile(httpProfile=hp)


REGION = "ap-guangzhou"
cvmc = cvm_client.CvmClient(cred, REGION, profile())
vpcc = vpc_client.VpcClient(cred, REGION, profile())
tagc = tag_client.TagClient(cred, REGION, profile())
clbc = clb_client.ClbClient(cred, REGION, profile())
tatc = tat_client.TatClient(cred, REGION, profile())
asc = autoscaling_client.AutoscalingClient(cred, REGION, profile())


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


# --- CLB: internal load balancer, listener, targets, health (guide step 3) ---
def task_status(task_id):
    return clbc.DescribeTaskStatus(req(clb.DescribeTaskStatusRequest, {"TaskId": task_id})).Status

lb_req = {"LoadBalancerType": "INTERNAL", "LoadBalancerName": "mina-auth-int", "VpcId": "vpc-gz8k2m9a",
          "SubnetId": "subnet-gz3a1b2c", "ProjectId": 1002189, "ClientToken": "sdk-conformance-lb"}
r = clbc.CreateLoadBalancer(req(clb.CreateLoadBalancerRequest, lb_req))
lb_id = r.LoadBalancerIds[0]
again = clbc.CreateLoadBalancer(req(clb.CreateLoadBalancerRequest, lb_req)).LoadBalancerIds
assert again == [lb_id], (again, lb_id)
states = poll("clb create", lambda: task_status(r.RequestId), lambda s: s != 2)
assert states[-1] == 0, states
ok("CreateLoadBalancer+DescribeTaskStatus", states)

r = clbc.DescribeLoadBalancers(req(clb.DescribeLoadBalancersRequest, {"LoadBalancerIds": [lb_id]}))
lb = r.LoadBalancerSet[0]
assert lb.LoadBalancerType == "INTERNAL" and lb.LoadBalancerVips, lb.to_json_string()
vip = lb.LoadBalancerVips[0]
assert vip.startswith("10.0.1."), vip
ok("DescribeLoadBalancers", vip)

r = clbc.CreateListener(req(clb.CreateListenerRequest, {"LoadBalancerId": lb_id, "Ports": [80], "Protocol": "TCP",
                                                         "ListenerNames": ["mina_auth"]}))
listener_id = r.ListenerIds[0]
states = poll("listener", lambda: task_status(r.RequestId), lambda s: s != 2)
assert states[-1] == 0, states
ok("CreateListener", listener_id)

r = clbc.DescribeListeners(req(clb.DescribeListenersRequest, {"LoadBalancerId": lb_id}))
assert [(l.Protocol, l.Port) for l in r.Listeners] == [("TCP", 80)]
ok("DescribeListeners", r.TotalCount)

targets = [{"InstanceId": i, "Port": 80, "Weight": 10} for i in ["ins-auth0001"] + first]
r = clbc.RegisterTargets(req(clb.RegisterTargetsRequest, {"LoadBalancerId": lb_id, "ListenerId": listener_id,
                                                           "Targets": targets}))
states = poll("register", lambda: task_status(r.RequestId), lambda s: s != 2)
assert states[-1] == 0, states
ok("RegisterTargets", states)

r = clbc.DescribeTargets(req(clb.DescribeTargetsRequest, {"LoadBalancerId": lb_id}))
bound = sorted(t.InstanceId for l in r.Listeners for t in l.Targets)
assert bound == sorted(["ins-auth0001"] + first), bound
ok("DescribeTargets", len(bound))

def health():
    r = clbc.DescribeTargetHealth(req(clb.DescribeTargetHealthRequest, {"LoadBalancerIds": [lb_id]}))
    return tuple(sorted(t.HealthStatusDetail for l in r.LoadBalancers[0].Listeners for ru in l.Rules for t in ru.Targets))

states = poll("health", health, lambda s: all(x == "Alive" for x in s) and len(s) == 3)
ok("DescribeTargetHealth", states[-1])

# --- TAT: read sdk.config on the business server (guide step 4) ---
script = "# tcscale-op: {\"op\":\"read-file\",\"path\":\"/etc/qcloud/sdk.config\"}\ncat /etc/qcloud/sdk.config\n"
r = tatc.RunCommand(req(tat.RunCommandRequest, {"Content": base64.b64encode(script.encode()).decode(),
                                                  "InstanceIds": ["ins-bizn0de1"], "CommandType": "SHELL",
                                                  "CommandName": "tcscale-read", "Timeout": 60}))
inv = r.InvocationId

def tat_task():
    r = tatc.DescribeInvocationTasks(req(tat.DescribeInvocationTasksRequest, {
        "Filters": [{"Name": "invocation-id", "Values": [inv]}], "HideOutput": False}))
    return r.InvocationTaskSet[0]

states = poll("tat", lambda: tat_task().TaskStatus, lambda s: s not in ("PENDING", "RUNNING", "DELIVERING"))
task = tat_task()
assert task.TaskStatus == "SUCCESS", (states, task.to_json_string())
output = base64.b64decode(task.TaskResult.Output).decode()
assert "authServerUrl" in output or "TCSCALE_" in output, output
ok("RunCommand+DescribeInvocationTasks", "->".join(states))

r = tatc.DescribeAutomationAgentStatus(req(tat.DescribeAutomationAgentStatusRequest, {"InstanceIds": ["ins-bizn0de1", "ins-tatoff01"]}))
status = {a.InstanceId: a.AgentStatus for a in r.AutomationAgentSet}
assert status == {"ins-bizn0de1": "Online", "ins-tatoff01": "Offline"}, status
ok("DescribeAutomationAgentStatus", status)

# --- AS: launch configuration, group on the listener, schedule, policy ---
r = asc.CreateLaunchConfiguration(req(autoscaling.CreateLaunchConfigurationRequest, {
    "LaunchConfigurationName": "mina-auth-lc", "ImageId": image_id, "InstanceType": "S5.MEDIUM4", "ProjectId": 1002189,
    "SecurityGroupIds": ["sg-auth4c5d"],
    "InternetAccessible": {"InternetChargeType": "TRAFFIC_POSTPAID_BY_HOUR", "InternetMaxBandwidthOut": 5, "PublicIpAssigned": True}}))
lc_id = r.LaunchConfigurationId
ok("CreateLaunchConfiguration", lc_id)
r = asc.CreateAutoScalingGroup(req(autoscaling.CreateAutoScalingGroupRequest, {
    "AutoScalingGroupName": "mina-auth-asg", "LaunchConfigurationId": lc_id, "MaxSize": 4, "MinSize": 0, "DesiredCapacity": 0,
    "VpcId": "vpc-gz8k2m9a", "SubnetIds": ["subnet-gz3a1b2c"], "ProjectId": 1002189,
    "ForwardLoadBalancers": [{"LoadBalancerId": lb_id, "ListenerId": listener_id, "TargetAttributes": [{"Port": 80, "Weight": 10}]}],
    "HealthCheckType": "CLB", "LoadBalancerHealthCheckGracePeriod": 60}))
asg_id = r.AutoScalingGroupId
r = asc.DescribeAutoScalingGroups(req(autoscaling.DescribeAutoScalingGroupsRequest, {"AutoScalingGroupIds": [asg_id]}))
assert r.AutoScalingGroupSet[0].ForwardLoadBalancerSet[0].ListenerId == listener_id
ok("CreateAutoScalingGroup+Describe", r.AutoScalingGroupSet[0].AutoScalingGroupStatus)
r = asc.CreateScheduledAction(req(autoscaling.CreateScheduledActionRequest, {
    "AutoScalingGroupId": asg_id, "ScheduledActionName": "morning", "MaxSize": 4, "MinSize": 0, "DesiredCapacity": 2,
    "StartTime": "2030-01-01T09:00:00+08:00", "EndTime": "2030-12-31T09:00:00+08:00", "Recurrence": "0 9 * * *"}))
ok("CreateScheduledAction", r.ScheduledActionId)
r = asc.CreateScalingPolicy(req(autoscaling.CreateScalingPolicyRequest, {
    "AutoScalingGroupId": asg_id, "ScalingPolicyName": "cpu-high", "ScalingPolicyType": "SIMPLE",
    "AdjustmentType": "CHANGE_IN_CAPACITY", "AdjustmentValue": 1, "Cooldown": 60,
    "MetricAlarm": {"ComparisonOperator": "GREATER_THAN", "MetricName": "CPU_UTILIZATION", "Threshold": 70,
                    "Period": 300, "ContinuousTime": 1, "Statistic": "AVERAGE"}}))
ok("CreateScalingPolicy", r.AutoScalingPolicyId)
r = asc.DescribeScalingPolicies(req(autoscaling.DescribeScalingPoliciesRequest, {"Filters": [{"Name": "auto-scaling-group-id", "Values": [asg_id]}]}))
assert r.TotalCount == 1
ok("DescribeScalingPolicies", r.TotalCount)
r = asc.DescribeLaunchConfigurations(req(autoscaling.DescribeLaunchConfigurationsRequest, {"LaunchConfigurationIds": [lc_id]}))
assert r.LaunchConfigurationSet[0].LaunchConfigurationId == lc_id
ok("DescribeLaunchConfigurations", r.TotalCount)
r = asc.DescribeScheduledActions(req(autoscaling.DescribeScheduledActionsRequest, {"Filters": [{"Name": "auto-scaling-group-id", "Values": [asg_id]}]}))
assert r.TotalCount == 1
ok("DescribeScheduledActions", r.TotalCount)
policy_id = asc.DescribeScalingPolicies(req(autoscaling.DescribeScalingPoliciesRequest, {"Filters": [{"Name": "auto-scaling-group-id", "Values": [asg_id]}]})).ScalingPolicySet[0].AutoScalingPolicyId
r = asc.ExecuteScalingPolicy(req(autoscaling.ExecuteScalingPolicyRequest, {"AutoScalingPolicyId": policy_id, "HonorCooldown": False}))
ok("ExecuteScalingPolicy", r.ActivityId)

def activity_status():
    r = asc.DescribeAutoScalingActivities(req(autoscaling.DescribeAutoScalingActivitiesRequest, {"Filters": [{"Name": "auto-scaling-group-id", "Values": [asg_id]}]}))
    return tuple(a.StatusCode for a in r.ActivitySet)

states = poll("activity", activity_status, lambda s: s and all(x not in ("INIT", "RUNNING") for x in s), timeout=30)
ok("DescribeAutoScalingActivities", states[-1])
r = asc.DescribeAutoScalingInstances(req(autoscaling.DescribeAutoScalingInstancesRequest, {"Filters": [{"Name": "auto-scaling-group-id", "Values": [asg_id]}]}))
ok("DescribeAutoScalingInstances", r.TotalCount)

try:
    cvmc.DescribeInstances(req(cvm.DescribeInstancesRequest, {"Limit": 101}))
    raise SystemExit("Limit 101 was accepted")
except TencentCloudSDKException as e:
    assert e.get_code() == "InvalidParameterValueLimit", e
    assert e.get_request_id()
    ok("error", e.get_code())

r = tatc.DescribeInvocations(req(tat.DescribeInvocationsRequest, {"InvocationIds": [inv]}))
assert r.InvocationSet[0].InvocationId == inv
ok("DescribeInvocations", r.TotalCount)

# --- CLB changes the guide's browse screen and cleanup make ---
def clb_done(r):
    states = poll("clb task", lambda: task_status(r.RequestId), lambda s: s != 2)
    assert states[-1] == 0, states
    return states

one = [{"InstanceId": first[0], "Port": 80}]
clb_done(clbc.ModifyTargetWeight(req(clb.ModifyTargetWeightRequest, {"LoadBalancerId": lb_id, "ListenerId": listener_id,
                                                                      "Targets": one, "Weight": 20})))
ok("ModifyTargetWeight")
clb_done(clbc.DeregisterTargets(req(clb.DeregisterTargetsRequest, {"LoadBalancerId": lb_id, "ListenerId": listener_id, "Targets": one})))
ok("DeregisterTargets")
r = clbc.BatchRegisterTargets(req(clb.BatchRegisterTargetsRequest, {"LoadBalancerId": lb_id, "Targets": [
    {"ListenerId": listener_id, "InstanceId": first[0], "Port": 80, "Weight": 10}]}))
assert not r.FailListenerIdSet, r.to_json_string()
clb_done(r)  # a CLB task like any other: the next change waits for it
ok("BatchRegisterTargets")

# the group above holds an instance now (deleting it is refused): an empty pair is deleted
lc2 = asc.CreateLaunchConfiguration(req(autoscaling.CreateLaunchConfigurationRequest, {
    "LaunchConfigurationName": "mina-auth-lc-2", "ImageId": image_id, "InstanceType": "S5.MEDIUM4"})).LaunchConfigurationId
asg2 = asc.CreateAutoScalingGroup(req(autoscaling.CreateAutoScalingGroupRequest, {
    "AutoScalingGroupName": "mina-auth-asg-2", "LaunchConfigurationId": lc2, "MaxSize": 1, "MinSize": 0, "DesiredCapacity": 0,
    "VpcId": "vpc-gz8k2m9a", "SubnetIds": ["subnet-gz3a1b2c"]})).AutoScalingGroupId
asc.DeleteAutoScalingGroup(req(autoscaling.DeleteAutoScalingGroupRequest, {"AutoScalingGroupId": asg2}))
ok("DeleteAutoScalingGroup")
asc.DeleteLaunchConfiguration(req(autoscaling.DeleteLaunchConfigurationRequest, {"LaunchConfigurationId": lc2}))
ok("DeleteLaunchConfiguration")
clb_done(clbc.DeleteListener(req(clb.DeleteListenerRequest, {"LoadBalancerId": lb_id, "ListenerId": listener_id})))
ok("DeleteListener")
clb_done(clbc.DeleteLoadBalancer(req(clb.DeleteLoadBalancerRequest, {"LoadBalancerIds": [lb_id]})))
ok("DeleteLoadBalancer")

cvmc.TerminateInstances(req(cvm.TerminateInstancesRequest, {"InstanceIds": first}))
ok("TerminateInstances")
cvmc.DeleteImages(req(cvm.DeleteImagesRequest, {"ImageIds": [image_id]}))
ok("DeleteImages")
print("done", flush=True)
