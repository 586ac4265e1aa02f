// Drives the simulator with the official Tencent Cloud Node.js SDK
// (tencentcloud-sdk-nodejs-cvm's typed client, tencentcloud-sdk-nodejs-common's
// CommonClient for CLB, VPC, TAT, AS and Tag) through the guide, unchanged:
// the endpoint is `<service>.localhost:PORT` over http, the way the SDK
// takes the service from the endpoint's first label.
//
// usage: node sim_walk.js PORT SECRET_ID SECRET_KEY TMP_ID TMP_KEY TMP_TOKEN
// Prints one line per step: `ok <Action> <detail>`, then `done`; exits
// non-zero on failure.
"use strict";
const http = require("http");
const { CommonClient } = require("tencentcloud-sdk-nodejs-common");
const CvmClient = require("tencentcloud-sdk-nodejs-cvm").cvm.v20170312.Client;

const [port, secretId, secretKey, tmpId, tmpKey, tmpToken] = process.argv.slice(2);
const REGION = "ap-guangzhou";

// `*.localhost` is loopback (RFC 6761); not every resolver knows that, so
// the agent says it (systemd-resolved and macOS need no such agent).
const agent = new http.Agent({
  keepAlive: true,
  lookup: (host, opts, cb) =>
    host.endsWith(".localhost")
      ? opts && opts.all
        ? cb(null, [{ address: "127.0.0.1", family: 4 }])
        : cb(null, "127.0.0.1", 4)
      : require("dns").lookup(host, opts, cb),
});

function profile(service) {
  return { httpProfile: { endpoint: `${service}.localhost:${port}`, protocol: "http://", agent, reqTimeout: 10 } };
}
const cred = { secretId, secretKey };
const cvm = new CvmClient({ credential: cred, region: REGION, profile: profile("cvm") });
const VERSIONS = { clb: "2018-03-17", vpc: "2017-03-12", tat: "2020-10-28", as: "2018-04-19", tag: "2018-08-13" };
function common(service, credential = cred) {
  return new CommonClient(`${service}.tencentcloudapi.com`, VERSIONS[service], {
    credential, region: REGION, profile: profile(service),
  });
}
const clb = common("clb"), vpc = common("vpc"), tat = common("tat"), as = common("as"), tag = common("tag");

function ok(action, detail = "") {
  console.log(`ok ${action} ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
}
function assert(cond, what) {
  if (!cond) throw new Error(`assertion failed: ${what}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function poll(what, fn, until, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  const seen = [];
  for (;;) {
    const v = await fn();
    if (!seen.length || JSON.stringify(seen[seen.length - 1]) !== JSON.stringify(v)) seen.push(v);
    if (until(v)) return seen;
    if (Date.now() > deadline) throw new Error(`${what}: stuck at ${JSON.stringify(seen)}`);
    await sleep(50);
  }
}
async function code(promise) {
  try {
    await promise;
  } catch (e) {
    return e.code;
  }
  return "(no error)";
}

async function main() {
  let r = await cvm.DescribeRegions({});
  assert(r.RegionSet.map((x) => x.Region).join() === "ap-guangzhou,ap-shanghai", JSON.stringify(r));
  ok("DescribeRegions", r.TotalCount);

  r = await cvm.DescribeInstances({ InstanceIds: ["ins-auth0001"] });
  const session = r.InstanceSet[0];
  assert(session.Placement.Zone === "ap-guangzhou-3", "zone");
  assert("ExpiredTime" in session && session.ExpiredTime === null, "pay-as-you-go ExpiredTime is null");
  ok("DescribeInstances", r.TotalCount);

  r = await cvm.CreateImage({ InstanceId: "ins-auth0001", ImageName: "mina_auth-node" });
  const imageId = r.ImageId;
  let states = await poll("image", async () => (await cvm.DescribeImages({ ImageIds: [imageId] })).ImageSet[0].ImageState,
    (s) => s !== "CREATING");
  assert(states.join() === "CREATING,NORMAL", states);
  ok("CreateImage+DescribeImages", states.join("->"));

  const launch = {
    Placement: { Zone: "ap-guangzhou-3", ProjectId: 1002189 }, ImageId: imageId, InstanceType: "S5.MEDIUM4",
    VirtualPrivateCloud: { VpcId: "vpc-gz8k2m9a", SubnetId: "subnet-gz3a1b2c" }, SecurityGroupIds: ["sg-auth4c5d"],
    InternetAccessible: { InternetChargeType: "TRAFFIC_POSTPAID_BY_HOUR", InternetMaxBandwidthOut: 5, PublicIpAssigned: true },
    InstanceCount: 2, InstanceName: "mina_auth-node", ClientToken: "node-sdk-walk-1",
  };
  const first = (await cvm.RunInstances(launch)).InstanceIdSet;
  const again = (await cvm.RunInstances(launch)).InstanceIdSet;
  assert(first.length === 2 && first.join() === again.join(), `${first} vs ${again}`);
  ok("RunInstances(ClientToken)", first.join(","));
  states = await poll("launch", async () => (await cvm.DescribeInstances({ InstanceIds: first })).InstanceSet.map((i) => i.InstanceState).sort().join(),
    (s) => s === "RUNNING,RUNNING");
  ok("DescribeInstances(poll)", states.join("->"));

  r = await vpc.request("DescribeSecurityGroupPolicies", { SecurityGroupId: "sg-auth4c5d" });
  const version = r.SecurityGroupPolicySet.Version;
  await vpc.request("CreateSecurityGroupPolicies", {
    SecurityGroupId: "sg-auth4c5d",
    SecurityGroupPolicySet: { Version: version, Ingress: [{ PolicyIndex: 0, Protocol: "TCP", Port: "80", CidrBlock: "10.0.1.0/24", Action: "ACCEPT" }] },
  });
  ok("CreateSecurityGroupPolicies", version);

  r = await tag.request("DescribeProjects", { AllList: 1, Limit: 1000, Offset: 0 });
  assert(r.Projects.some((p) => p.ProjectName === "微信小程序"), "project");
  ok("DescribeProjects", r.Total);

  const taskDone = async (requestId) => {
    const s = await poll("task", async () => (await clb.request("DescribeTaskStatus", { TaskId: requestId })).Status, (x) => x !== 2);
    assert(s[s.length - 1] === 0, s);
    return s;
  };
  r = await clb.request("CreateLoadBalancer", {
    LoadBalancerType: "INTERNAL", LoadBalancerName: "mina-auth-node", VpcId: "vpc-gz8k2m9a",
    SubnetId: "subnet-gz3a1b2c", ProjectId: 1002189, ClientToken: "node-sdk-walk-lb",
  });
  const lbId = r.LoadBalancerIds[0];
  await taskDone(r.RequestId);
  r = await clb.request("DescribeLoadBalancers", { LoadBalancerIds: [lbId] });
  const lb = r.LoadBalancerSet[0];
  assert(lb.MasterZone && lb.MasterZone.Zone === "ap-guangzhou-3", JSON.stringify(lb.MasterZone));
  ok("CreateLoadBalancer+DescribeTaskStatus", lb.LoadBalancerVips[0]);
  r = await clb.request("CreateListener", { LoadBalancerId: lbId, Ports: [80], Protocol: "TCP", ListenerNames: ["mina_auth"] });
  const listenerId = r.ListenerIds[0];
  await taskDone(r.RequestId);
  ok("CreateListener", listenerId);
  r = await clb.request("RegisterTargets", {
    LoadBalancerId: lbId, ListenerId: listenerId,
    Targets: ["ins-auth0001", ...first].map((id) => ({ InstanceId: id, Port: 80, Weight: 10 })),
  });
  await taskDone(r.RequestId);
  ok("RegisterTargets");
  states = await poll("health", async () => {
    const h = await clb.request("DescribeTargetHealth", { LoadBalancerIds: [lbId] });
    return h.LoadBalancers[0].Listeners.flatMap((l) => l.Rules.flatMap((ru) => ru.Targets.map((t) => t.HealthStatusDetail))).sort().join();
  }, (s) => s === "Alive,Alive,Alive");
  ok("DescribeTargetHealth", states[states.length - 1]);

  const script = '# tcscale-op: {"op":"read-file","path":"/etc/qcloud/sdk.config"}\ncat /etc/qcloud/sdk.config\n';
  r = await tat.request("RunCommand", {
    Content: Buffer.from(script).toString("base64"), InstanceIds: ["ins-bizn0de1"], CommandType: "SHELL",
    CommandName: "tcscale-read", Timeout: 60,
  });
  const inv = r.InvocationId;
  const task = async () => (await tat.request("DescribeInvocationTasks", { Filters: [{ Name: "invocation-id", Values: [inv] }], HideOutput: false })).InvocationTaskSet[0];
  states = await poll("tat", async () => (await task()).TaskStatus, (s) => !["PENDING", "RUNNING", "DELIVERING"].includes(s));
  const t = await task();
  assert(t.TaskStatus === "SUCCESS", JSON.stringify(t));
  const output = Buffer.from(t.TaskResult.Output, "base64").toString();
  assert(output.includes("authServerUrl") || output.includes("TCSCALE_"), output);
  ok("RunCommand+DescribeInvocationTasks", states.join("->"));

  r = await as.request("CreateLaunchConfiguration", {
    LaunchConfigurationName: "mina-auth-node-lc", ImageId: imageId, InstanceType: "S5.MEDIUM4", ProjectId: 1002189,
    SecurityGroupIds: ["sg-auth4c5d"],
  });
  const lcId = r.LaunchConfigurationId;
  r = await as.request("CreateAutoScalingGroup", {
    AutoScalingGroupName: "mina-auth-node-asg", LaunchConfigurationId: lcId, MaxSize: 2, MinSize: 0, DesiredCapacity: 0,
    VpcId: "vpc-gz8k2m9a", SubnetIds: ["subnet-gz3a1b2c"], ProjectId: 1002189,
    ForwardLoadBalancers: [{ LoadBalancerId: lbId, ListenerId: listenerId, TargetAttributes: [{ Port: 80, Weight: 10 }] }],
  });
  const asgId = r.AutoScalingGroupId;
  r = await as.request("DescribeAutoScalingGroups", { AutoScalingGroupIds: [asgId] });
  assert(r.AutoScalingGroupSet[0].ForwardLoadBalancerSet[0].ListenerId === listenerId, "group on the listener");
  ok("CreateAutoScalingGroup+Describe", r.AutoScalingGroupSet[0].AutoScalingGroupStatus);

  // temporary credentials: the SDK's token path, then a token the simulator never issued
  const tmp = new CvmClient({ credential: { secretId: tmpId, secretKey: tmpKey, token: tmpToken }, region: REGION, profile: profile("cvm") });
  r = await tmp.DescribeRegions({});
  ok("temporary credentials", r.TotalCount);
  const bogus = new CvmClient({ credential: { secretId: tmpId, secretKey: tmpKey, token: "bogus" }, region: REGION, profile: profile("cvm") });
  const c = await code(bogus.DescribeRegions({}));
  assert(c === "AuthFailure.TokenFailure", c);
  ok("error", c);
  const limit = await code(cvm.DescribeInstances({ Limit: 101 }));
  assert(limit === "InvalidParameterValueLimit", limit);
  ok("error", limit);

  await cvm.TerminateInstances({ InstanceIds: first });
  await cvm.DeleteImages({ ImageIds: [imageId] });
  ok("TerminateInstances+DeleteImages");
  console.log("done");
}

main().then(
  () => { agent.destroy(); },
  (e) => { console.error(e && e.stack ? e.stack : e); process.exit(1); },
);
