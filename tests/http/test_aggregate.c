/* test_aggregate.c: GET /api/{res}/_aggregate and /api/{res}/{id}/{rel}/_aggregate
 * (SPEC §10 A) on both backends, with exact answers over the shop example
 * (schemas/shop.json): numeric sums and means exact at their scale, NULL and
 * dotted groups, having, sort and paging, collections (one-to-many,
 * many-to-many, dynamic; a missing parent 404), every error pointer, one
 * statement per request; and over tests/http/schemas/aggregate.json: the
 * row filter and permissions of SPEC §6, sums past 64 bits (422), means
 * rounded half away from zero. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/rt_jwt.h"

#define SECRET "rt-aggregate-secret-0123456789abcdef"

static rt_server shop, agg, cmp;
/* Who sends a case of the agg tables: their token is TOKEN[who] (ANON: none). */
enum { ANON, ALICE, BOB, ADMIN, NWHO };
static char *TOKEN[NWHO];

RT_FIXTURE(shop, "schemas/shop.json", "schemas/shop.seed.json", NULL)
RT_FIXTURE(cmp, "tests/http/schemas/computed.json", "tests/http/schemas/computed.seed.json", NULL)

static void agg_start(void)
{
    TOKEN[ALICE] = rt_hs256(SECRET, "{'role': 'member', 'sub': 'alice'}");
    TOKEN[BOB] = rt_hs256(SECRET, "{'role': 'member', 'sub': 'bob'}");
    TOKEN[ADMIN] = rt_hs256(SECRET, "{'role': 'admin', 'sub': 'root'}");
    rt_server_start_secured(&agg, "tests/http/schemas/aggregate.json", "tests/http/schemas/aggregate.seed.json",
                            SECRET);
}

static void agg_stop(void)
{
    rt_server_stop(&agg);
    for (int i = 0; i < NWHO; i++) free(TOKEN[i]), TOKEN[i] = NULL;
}

/* ---- shop ------------------------------------------------------------------- */

START_TEST(groups_with_exact_sums_and_means)
{
    RT_CASES(&shop,
        {"/api/orders/_aggregate?group_by=status&count=*&sum=total&avg=total",
         "data # 4; data[].status = ['cancelled','new','paid','shipped']; data[].count = [1,4,5,3];"
         "data[].sum_total = ['49.00','68.89','207.48','98.32'];"
         "data[].avg_total = ['49.000000','22.963333','41.496000','32.773333'];"
         "meta.limit = 1000; meta.offset = 0; !links.next; @queries = 1"},
        /* the SPEC's example */
        {"/api/orders/_aggregate?group_by=customer_id,status&count=*&sum=total&avg=total"
         "&filter={\"placed\":{\"ge\":\"2024-01-01\"}}&having={\"count\":{\"gt\":1}}&sort=-sum_total&limit=10",
         "data = [{'customer_id':3,'status':'paid','count':2,'sum_total':'92.88','avg_total':'46.440000'}];"
         "meta.limit = 10; @queries = 1"},
        /* 0.10 + 0.20 is 0.30, not 0.30000000000000004 */
        {"/api/customers/_aggregate?sum=credit&avg=credit&count=credit&count=*&filter={\"id\":{\"in\":[4,5]}}",
         "400 /query/count"},
        {"/api/customers/_aggregate?sum=credit&avg=credit&count=credit,*&filter={\"id\":{\"in\":[4,5]}}",
         "data = [{'sum_credit':'0.30','avg_credit':'0.150000','count_credit':2,'count':2}]"},
        {"/api/customers/_aggregate?sum=credit&avg=credit&min=credit&max=credit&count=credit",
         "data = [{'sum_credit':'1750.80','avg_credit':'437.700000','min_credit':'0.10','max_credit':'1500.00',"
         "'count_credit':4}]"},
        /* no row: one row, null sums, zero counts */
        {"/api/orders/_aggregate?count=*&count_distinct=status&sum=total&avg=total&min=placed&max=total"
         "&filter={\"id\":{\"gt\":1000}}",
         "data = [{'count':0,'count_distinct_status':0,'sum_total':null,'avg_total':null,'min_placed':null,"
         "'max_total':null}]"},
        /* integers: sums are integers, means doubles; floats are numbers */
        {"/api/products/_aggregate?sum=views,weight&avg=views,weight&min=name&max=name&count_distinct=active",
         "data = [{'sum_views':547,'sum_weight':2.4,'avg_views':109.4,'avg_weight':0.6,'min_name':'Filter papers',"
         "'max_name':'Teapot','count_distinct_active':2}]"},
        /* column comparisons (SPEC §10 F) in the filter: orders shipped before they were placed */
        {"/api/orders/_aggregate?count=*&filter={\"shipped\":{\"lt\":{\"$col\":\"placed\"}}}",
         "data = [{'count':2}]"},
        /* a group_by without aggregates lists the combinations */
        {"/api/orders/_aggregate?group_by=status", "data[].status = ['cancelled','new','paid','shipped']"},
    );
}
END_TEST

START_TEST(null_and_dotted_groups)
{
    RT_CASES(&shop,
        /* orders 11, 12 have no customer, order 10's customer no tier: one null group */
        {"/api/orders/_aggregate?group_by=customer.tier&count=*&sum=total&max=customer.joined",
         "data = [{'customer.tier':null,'count':4,'sum_total':'88.03','max_customer.joined':'2024-02-29'},"
         "{'customer.tier':'gold','count':7,'sum_total':'244.76','max_customer.joined':'2021-03-04'},"
         "{'customer.tier':'silver','count':2,'sum_total':'90.90','max_customer.joined':'2022-07-19'}]; @queries = 1"},
        {"/api/orders/_aggregate?group_by=customer_id&count=*&filter={\"customer_id\":null}",
         "data = [{'customer_id':null,'count':2}]"},
        /* two hops */
        {"/api/order_lines/_aggregate?group_by=order.customer.city&count=*&sort=-count,order.customer.city",
         "data = [{'order.customer.city':'Paris','count':9},{'order.customer.city':null,'count':4},"
         "{'order.customer.city':'London','count':4},{'order.customer.city':'Berlin','count':3}]"},
        /* the equality shorthand selects rows before grouping */
        {"/api/orders/_aggregate?status=paid&group_by=customer.city&count=*",
         "data = [{'customer.city':null,'count':1},{'customer.city':'London','count':1},{'customer.city':'Paris',"
         "'count':3}]"},
    );
}
END_TEST

START_TEST(having_sort_and_paging)
{
    RT_CASES(&shop,
        /* numeric outputs compare as numbers, operands strings or numbers */
        {"/api/orders/_aggregate?group_by=status&count=*&sum=total&having={\"sum_total\":{\"ge\":\"92.88\"}}",
         "data[].status = ['paid','shipped']"},
        {"/api/orders/_aggregate?group_by=status&count=*&having={\"count\":{\"ge\":\"4\"}}",
         "data[].status = ['new','paid']"},
        {"/api/orders/_aggregate?group_by=status&avg=total&having={\"avg_total\":{\"gt\":41.496}}",
         "data[].status = ['cancelled']"},
        {"/api/orders/_aggregate?group_by=status&avg=total&having={\"avg_total\":{\"ge\":41.496}}",
         "data[].status = ['cancelled','paid']"},
        {"/api/orders/_aggregate?group_by=status&sum=total&having={\"sum_total\":98.32}",
         "data[].status = ['shipped']"},
        {"/api/orders/_aggregate?group_by=status&sum=total&having={\"sum_total\":{\"in\":[\"49\",68.89,1.001]}}",
         "data[].status = ['cancelled','new']"},
        {"/api/orders/_aggregate?group_by=status&count=*&having={\"or\":[{\"count\":1},{\"not\":{\"status\":"
         "{\"in\":[\"new\",\"cancelled\"]}}}]}",
         "data[].status = ['cancelled','paid','shipped']"},
        {"/api/orders/_aggregate?group_by=status&count=*&having={\"status\":{\"like\":\"%e%\"},\"count\":{\"between\":[2,4]}}",
         "data[].status = ['new','shipped']"},
        {"/api/orders/_aggregate?group_by=customer.tier&min=total&having={\"min_total\":{\"lt\":\"10\"}}",
         "data = [{'customer.tier':'gold','min_total':'9.99'}]"},
        /* sort by outputs; ties by the keys; NULL smallest */
        {"/api/orders/_aggregate?group_by=customer.tier&count=*&sort=-count",
         "data = [{'customer.tier':'gold','count':7},{'customer.tier':null,'count':4},{'customer.tier':'silver','count':2}]"},
        {"/api/orders/_aggregate?group_by=status,customer.tier&count=*&sort=count&limit=3",
         "data = [{'status':'cancelled','customer.tier':'silver','count':1},"
         "{'status':'paid','customer.tier':null,'count':1},{'status':'paid','customer.tier':'silver','count':1}]"},
        {"/api/orders/_aggregate?group_by=customer.tier&sum=total&sort=sum_total",
         "data[].sum_total = ['88.03','90.90','244.76']"},
        {"/api/orders/_aggregate?group_by=customer.tier&count=*&sort=-customer.tier",
         "data = [{'customer.tier':'silver','count':2},{'customer.tier':'gold','count':7},{'customer.tier':null,'count':4}]"},
        /* paging: links.next while groups follow */
        {"/api/orders/_aggregate?group_by=status&count=*&limit=2",
         "data[].status = ['cancelled','new']; meta.limit = 2;"
         "links.next = '/api/orders/_aggregate?group_by=status&count=%2A&limit=2&offset=2'"},
        {"/api/orders/_aggregate?group_by=status&count=*&limit=2&offset=2",
         "data[].status = ['paid','shipped']; meta.offset = 2; !links.next"},
        {"/api/orders/_aggregate?group_by=status&count=*&offset=9", "data # 0"},
        {"/api/orders/_aggregate?group_by=status&limit=0", "data # 0; links.next"},
    );
}
END_TEST

START_TEST(collections)
{
    RT_CASES(&shop,
        {"/api/customers/3/orders/_aggregate?group_by=status&count=*&sum=total",
         "data = [{'status':'new','count':1,'sum_total':'39.00'},{'status':'paid','count':2,'sum_total':'92.88'},"
         "{'status':'shipped','count':1,'sum_total':'45.00'}]; @queries = 1;"
         "links.self = '/api/customers/3/orders/_aggregate?group_by=status&count=%2A&sum=total'"},
        {"/api/customers/3/orders/_aggregate?group_by=status&count=*&limit=1",
         "data[].status = ['new']; links.next = '/api/customers/3/orders/_aggregate?group_by=status&count=%2A&limit=1&offset=1'"},
        /* a missing parent is 404, still one statement */
        {"/api/customers/99/orders/_aggregate?group_by=status&count=*", "404; @queries = 1"},
        {"/api/customers/99/orders/_aggregate?count=*", "404"},
        {"/api/customers/abc/orders/_aggregate?count=*", "404"},
        /* a parent with none: no group; without group_by one row */
        {"/api/customers/5/orders/_aggregate?group_by=status&count=*", "data # 0; @queries = 1"},
        {"/api/customers/5/orders/_aggregate?count=*&sum=total", "data = [{'count':0,'sum_total':null}]"},
        {"/api/customers/3/orders/_aggregate?group_by=status&count=*&having={\"count\":{\"gt\":5}}", "data # 0"},
        /* many-to-many and dynamic */
        {"/api/orders/1/tags/_aggregate?group_by=name&count=*", "data[].name = ['gift','rush']"},
        {"/api/tags/3/orders/_aggregate?sum=total&count=*", "data = [{'sum_total':'132.68','count':3}]"},
        {"/api/customers/1/notes/_aggregate?count=*", "data = [{'count':2}]; @queries = 1"},
        /* a to-one relationship has no _aggregate */
        {"/api/orders/1/customer/_aggregate?count=*", "405; @Allow = OPTIONS"},
        {"/api/customers/1/nothing/_aggregate?count=*", "404"},
    );
}
END_TEST

START_TEST(errors_point_at_their_parameter)
{
    RT_CASES(&shop,
        {"/api/orders/_aggregate", "400 /query/group_by"},
        {"/api/orders/_aggregate?filter={}", "400 /query/group_by"},
        {"/api/orders/_aggregate?group_by=nothing", "400 /query/group_by"},
        {"/api/orders/_aggregate?group_by=lines.price", "400 /query/group_by"},
        {"/api/orders/_aggregate?group_by=a.b.c.d.e", "400 /query/group_by"},
        {"/api/orders/_aggregate?group_by=-status", "400 /query/group_by"},
        {"/api/products/_aggregate?group_by=specs", "400 /query/group_by"},
        {"/api/products/_aggregate?count=secret", "400 /query/count"},
        {"/api/products/_aggregate?max=secret", "400 /query/max"},
        {"/api/products/_aggregate?count_distinct=specs", "400 /query/count_distinct"},
        {"/api/products/_aggregate?sum=name", "400 /query/sum"},
        {"/api/products/_aggregate?avg=active", "400 /query/avg"},
        {"/api/products/_aggregate?min=active", "400 /query/min"},
        {"/api/products/_aggregate?max=specs", "400 /query/max"},
        {"/api/products/_aggregate?sum=*", "400 /query/sum"},
        {"/api/products/_aggregate?group_by=*", "400 /query/group_by"},
        {"/api/products/_aggregate?count=*,*", "400 /query/count"},
        {"/api/products/_aggregate?min=price&max=price&min=name", "400 /query/min"},
        {"/api/orders/_aggregate?group_by=status,status", "400 /query/group_by"},
        {"/api/orders/_aggregate?group_by=a,b,c,d,e,f,g,h,i", "400 /query/group_by"},
        {"/api/orders/_aggregate?group_by=id,status,placed,shipped,total,customer_id,version,customer.name,customer.city",
         "400 /query/group_by"},
        {"/api/orders/_aggregate?count=exact", "400 /query/count"},
        /* 33 outputs */
        {"/api/orders/_aggregate?count=id,customer_id,status,placed,shipped,total,version,customer.id,customer.name,"
         "customer.tier,customer.city,customer.joined,customer.credit&count_distinct=id,customer_id,status,placed,"
         "shipped,total,version,customer.id,customer.name,customer.tier,customer.city,customer.joined,customer.credit"
         "&max=id,customer_id,status,placed,shipped,total,version",
         "400 /query/max"},
        {"/api/orders/_aggregate?count=id,customer_id,status,placed,shipped,total,version,customer.id,customer.name,"
         "customer.tier,customer.city,customer.joined,customer.credit&count_distinct=id,customer_id,status,placed,"
         "shipped,total,version,customer.id,customer.name,customer.tier,customer.city,customer.joined,customer.credit"
         "&max=id,customer_id,status,placed,shipped,total",
         "data # 1; data.0.max_total = '50.98'; @queries = 1"},
        {"/api/orders/_aggregate?count=*&cursor=abc", "400 /query/cursor"},
        {"/api/orders/_aggregate?count=*&include=lines", "400 /query/include"},
        {"/api/orders/_aggregate?count=*&fields=id", "400 /query/fields"},
        {"/api/orders/_aggregate?count=*&fields[lines]=id", "400 /query/fields[lines]"},
        {"/api/orders/_aggregate?count=*&limit=1001", "400 /query/limit"},
        {"/api/orders/_aggregate?count=*&limit=-1", "400 /query/limit"},
        {"/api/orders/_aggregate?count=*&offset=x", "400 /query/offset"},
        {"/api/orders/_aggregate?count=*&bogus=1", "400 /query/bogus"},
        {"/api/orders/_aggregate?count=*&sort=nothing", "400 /query/sort"},
        {"/api/orders/_aggregate?count=*&sort=total", "400 /query/sort"},
        {"/api/orders/_aggregate?count=*&filter={\"nothing\":1}", "400 /filter/nothing"},
        {"/api/orders/_aggregate?count=*&filter=[", "400 /filter"},
        {"/api/orders/_aggregate?count=*&having=[", "400 /having"},
        {"/api/orders/_aggregate?count=*&having={\"total\":1}", "400 /having/total"},
        {"/api/orders/_aggregate?count=*&having={\"count\":{\"any\":{}}}", "400 /having/count/any"},
        {"/api/orders/_aggregate?group_by=status&count=*&having={\"status\":{\"has\":{}}}", "400 /having/status/has"},
        {"/api/orders/_aggregate?count=*&having={\"count\":{\"gt\":{\"$col\":\"id\"}}}", "400 /having/count/gt"},
        {"/api/orders/_aggregate?group_by=status&having={\"status\":{\"eq\":{\"$col\":\"id\"}}}",
         "400 /having/status/eq"},
        {"/api/orders/_aggregate?count=*&having={\"count\":{\"gt\":\"many\"}}", "400 /having/count/gt"},
        {"/api/orders/_aggregate?count=*&having={\"count\":{\"like\":\"1%\"}}", "400 /having/count/like"},
        {"/api/orders/_aggregate?min=placed&having={\"min_placed\":{\"startswith\":\"2\"}}",
         "400 /having/min_placed/startswith"},
        {"/api/orders/_aggregate?group_by=placed&having={\"placed\":{\"startswith\":\"2024-01\"}}",
         "data[].placed = ['2024-01-05','2024-01-21']"},
        {"/api/orders/_aggregate?max=status&having={\"max_status\":{\"like\":\"s%\"}}",
         "data = [{'max_status':'shipped'}]"},
        {"/api/orders/_aggregate?count=*&having={\"or\":[{\"count\":1},{\"count\":{\"zz\":1}}]}",
         "400 /having/or/1/count/zz"},
        {"/api/orders/_aggregate?group_by=status&count=*&having={\"status\":{\"in\":[null]}}",
         "400 /having/status/in/0"},
        {"/api/orders/_aggregate?group_by=customer.tier&count=*&having={\"customer.tier\":{\"eq\":5}}",
         "400 /having/customer.tier/eq"},
        {"/api/orders/_aggregate?count=*&group_by=status&group_by=id", "400 /query/group_by"},
    );
}
END_TEST

START_TEST(reserved_segment_and_methods)
{
    RT_CASES(&shop,
        {"PUT /api/orders/_aggregate {}", "405; @Allow = GET, HEAD, POST, QUERY, OPTIONS"},
        {"DELETE /api/orders/_aggregate", "405; @Allow = GET, HEAD, POST, QUERY, OPTIONS"},
        {"OPTIONS /api/orders/_aggregate", "204; @Allow = GET, HEAD, POST, QUERY, OPTIONS"},
        {"POST /api/customers/1/orders/_aggregate {}", "405; @Allow = GET, HEAD, OPTIONS"},
        {"PATCH /api/customers/1/orders/_aggregate {}", "405; @Allow = GET, HEAD, OPTIONS"},
        {"/api/nothing/_aggregate?count=*", "404"},
        {"HEAD /api/orders/_aggregate?count=*", "200 @empty"},
        /* OpenAPI documents the routes and the parameters */
        {"/openapi.json", "paths./api/orders/_aggregate.get.parameters[].name = ['group_by','count','count_distinct',"
         "'sum','avg','min','max','filter','having','sort','limit','offset']; paths./api/customers/{id}/orders/_aggregate.get;"
         "!paths./api/orders/{id}/customer/_aggregate"},
    );
}
END_TEST

/* POST and QUERY /api/{res}/_aggregate (SPEC §10 E): the GET's answer, its
 * parameters as a body (having as JSON), links only self, pointers into the
 * body. */
START_TEST(query_bodies)
{
    static const char *const same[][2] = {
        {"group_by=customer.tier&count=*&sum=total&avg=total&sort=-sum_total",
         "{'group_by': 'customer.tier', 'count': '*', 'sum': 'total', 'avg': 'total', 'sort': '-sum_total'}"},
        {"group_by=status&count=*&having=%7B%22count%22:%7B%22ge%22:3%7D%7D&limit=1&offset=1",
         "{'group_by': 'status', 'count': '*', 'having': {'count': {'ge': 3}}, 'limit': 1, 'offset': 1}"},
        {"sum=price&min=price&max=product.name&filter=%7B%22quantity%22:%7B%22gt%22:1%7D%7D",
         "{'sum': 'price', 'min': 'price', 'max': 'product.name', 'filter': {'quantity': {'gt': 1}}}"},
    };
    static const char *const res[] = {"orders", "orders", "order_lines"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        char get[512], post[512], query[512];
        snprintf(get, sizeof get, "/api/%s/_aggregate?%s", res[i], same[i][0]);
        snprintf(post, sizeof post, "POST /api/%s/_aggregate %s", res[i], same[i][1]);
        snprintf(query, sizeof query, "QUERY /api/%s/_aggregate %s", res[i], same[i][1]);
        rt_response *g = rt_checked(&shop, get, "200; @queries = 1");
        char *data = json_dumps(rt_json_at(g, "data"), JSON_COMPACT | JSON_SORT_KEYS);
        char *meta = json_dumps(rt_json_at(g, "meta"), JSON_COMPACT | JSON_SORT_KEYS);
        char want[2048];
        snprintf(want, sizeof want, "200; data = %s; meta = %s; links = {'self': '/api/%s/_aggregate'}; @queries = 1",
                 data, meta, res[i]);
        rt_check(&shop, post, want);
        rt_check(&shop, query, want);
        free(data);
        free(meta);
        rt_response_free(g);
    }
    RT_CASES(&shop,
        {"POST /api/orders/_aggregate {'group_by': 'status', 'having': {'count': {'gt': 'x'}}, 'count': '*'}",
         "400 /having/count/gt"},
        {"POST /api/orders/_aggregate {'group_by': 'nope', 'count': '*'}", "400 /group_by"},
        {"POST /api/orders/_aggregate {'sum': 'status'}", "400 /sum"},
        {"QUERY /api/orders/_aggregate {'count': '*', 'limit': '5'}", "400 /limit"},
        {"QUERY /api/orders/_aggregate {'count': '*', 'include': 'lines'}", "400 /include"},
        {"POST /api/orders/_aggregate {'count': '*', 'filter': {'nope': 1}}", "400 /filter/nope"},
        {"POST /api/orders/_aggregate?count=* {'sum': 'total'}", "400 /query/count"},
        {"POST /api/orders/_aggregate []", "400"},
        {"/openapi.json", "paths./api/orders/_aggregate.post.requestBody; paths./api/orders/_aggregate.x-query"},
    );
}
END_TEST

/* ---- facets (SPEC §10 B) ----------------------------------------------------- */

START_TEST(facets_count_the_filtered_set)
{
    RT_CASES(&shop,
        /* GET /api tells which columns take few values (the explorer facets them) */
        {"/api", "resources.1.columns.2.name = 'status'; "
         "resources.1.columns.2.choices = ['new','paid','shipped','cancelled']; "
         "resources.0.columns.2.choices = ['gold','silver','bronze']; !resources.0.columns.1.choices"},
        /* over the whole filtered set, not the page; one statement each */
        {"/api/customers?facet=tier,city&limit=2&offset=1",
         "data[].id = [2,3]; meta.facets = {'tier':{'values':[{'value':null,'count':2},{'value':'gold','count':2},"
         "{'value':'bronze','count':1},{'value':'silver','count':1}],'truncated':false},"
         "'city':{'values':[{'value':'London','count':2},{'value':'Paris','count':2},{'value':null,'count':1},"
         "{'value':'Berlin','count':1}],'truncated':false}}; @queries = 3"},
        {"/api/customers?facet=joined&facet_size=2&sort=-id",
         "meta.facets.joined = {'values':[{'value':null,'count':1},{'value':'2020-01-30','count':1}],'truncated':true};"
         "@queries = 2"},
        /* filter and shorthand hold; a dotted path is a many-to-one join, NULL its own value */
        {"/api/orders?facet=status&facet_size=2&limit=0&filter={\"total\":{\"gt\":30}}",
         "meta.facets.status = {'values':[{'value':'paid','count':5},{'value':'cancelled','count':1}],'truncated':true}"},
        {"/api/orders?status=new&facet=customer.tier&limit=0&include=",
         "meta.facets = {'customer.tier':{'values':[{'value':null,'count':2},{'value':'gold','count':2}],"
         "'truncated':false}}"},
        /* the same counts as the _aggregate it stands for */
        {"/api/orders/_aggregate?group_by=customer.tier&count=*&sort=-count,customer.tier&limit=30",
         "data = [{'customer.tier':'gold','count':7},{'customer.tier':null,'count':4},{'customer.tier':'silver','count':2}]"},
        {"/api/orders?facet=customer.tier&limit=0",
         "meta.facets = {'customer.tier':{'values':[{'value':'gold','count':7},{'value':null,'count':4},"
         "{'value':'silver','count':2}],'truncated':false}}"},
        /* a cursor page counts the same set */
        {"/api/customers/3/orders?facet=status&limit=1",
         "meta.facets.status.values = [{'value':'paid','count':2},{'value':'new','count':1},{'value':'shipped','count':1}]"},
        /* in a query body (SPEC §10 E): the same facets, errors at the member */
        {"POST /api/customers/_query {'facet': 'tier', 'facet_size': 2, 'limit': 0}",
         "meta.facets.tier = {'values':[{'value':null,'count':2},{'value':'gold','count':2}],'truncated':true};"
         "@queries = 2"},
        {"POST /api/customers/_query {'facet_size': 2}", "400 /facet_size"},
        {"POST /api/customers/_query {'facet': 'nothing'}", "400 /facet"},
        /* no facet asked: no facets */
        {"/api/customers?limit=1", "!meta.facets"},
        /* errors */
        {"/api/orders?facet=lines.price", "400 /query/facet"},
        {"/api/products?facet=specs", "400 /query/facet"},
        {"/api/products?facet=secret", "400 /query/facet"},
        {"/api/orders?facet=nothing", "400 /query/facet"},
        {"/api/orders?facet=status,status", "400 /query/facet"},
        {"/api/orders?facet=id,status,placed,shipped,total,customer_id,version,customer.name,customer.city,"
         "customer.tier,customer.joined",
         "400 /query/facet"},
        {"/api/orders?facet=", "400 /query/facet"},
        {"/api/orders?facet_size=3", "400 /query/facet_size"},
        {"/api/orders?facet=status&facet_size=0", "400 /query/facet_size"},
        {"/api/orders?facet=status&facet_size=1001", "400 /query/facet_size"},
        {"/api/orders?facet=status&facet_size=x", "400 /query/facet_size"},
    );
}
END_TEST

/* ---- row filter, permissions, exactness ---------------------------------------- */

START_TEST(row_filter_and_permissions)
{
    RT_AS_CASES(&agg, TOKEN,
        {ALICE, "/api/accounts/_aggregate?sum=balance&count=*", "data = [{'sum_balance':'0.30','count':3}]; @queries = 1"},
        {BOB, "/api/accounts/_aggregate?sum=balance&count=*", "data = [{'sum_balance':'5.00','count':1}]"},
        {ADMIN, "/api/accounts/_aggregate?sum=balance&count=*", "data = [{'sum_balance':'5.30','count':4}]"},
        /* a group key through a row outside the target's filter is the null group */
        {ALICE, "/api/entries/_aggregate?group_by=account.region&sum=amount",
         "data = [{'account.region':null,'sum_amount':'0.04'},{'account.region':'eu','sum_amount':'0.03'}]"},
        {BOB, "/api/entries/_aggregate?group_by=account.region&sum=amount",
         "data = [{'account.region':null,'sum_amount':'100.00'},{'account.region':'eu','sum_amount':'7.00'}]"},
        /* collections: the parent and the members as the role sees them */
        {ALICE, "/api/accounts/1/entries/_aggregate?sum=amount&count=*",
         "data = [{'sum_amount':'0.03','count':2}]; @queries = 1"},
        {ADMIN, "/api/accounts/1/entries/_aggregate?sum=amount&count=*", "data = [{'sum_amount':'100.03','count':3}]"},
        {ALICE, "/api/accounts/3/entries/_aggregate?count=*", "404"},
        {ALICE, "/api/accounts/3/entries/_aggregate?group_by=owner&count=*", "404"},
        /* hidden columns are unknown everywhere */
        {ADMIN, "/api/accounts/_aggregate?group_by=pin", "400 /query/group_by"},
        {ADMIN, "/api/accounts/_aggregate?count=pin", "400 /query/count"},
        {ALICE, "/api/accounts/_aggregate?count=*&filter={\"pin\":\"1\"}", "400 /filter/pin"},
        /* permissions: read is needed, GET among the methods */
        {ANON, "/api/accounts/_aggregate?count=*", "401"},
        {ALICE, "/api/vaults/_aggregate?count=*", "403"},
        {ADMIN, "/api/vaults/_aggregate?sum=count", "data = [{'sum_count':3}]"},
        /* an output named like a group key */
        {ADMIN, "/api/vaults/_aggregate?group_by=count&count=*", "400 /query/count"},
        {ADMIN, "/api/vaults/_aggregate?group_by=count&count=count", "data = [{'count':3,'count_count':1}]"},
        {ADMIN, "/api/sealed/_aggregate?count=*", "405; @Allow = OPTIONS"},
        /* a query body reads as the role may read: the same rows, the same refusals */
        {ALICE, "POST /api/accounts/_aggregate {'sum': 'balance', 'count': '*'}",
         "data = [{'sum_balance':'0.30','count':3}]; @queries = 1"},
        {ALICE, "QUERY /api/entries/_aggregate {'group_by': 'account.region', 'sum': 'amount'}",
         "data = [{'account.region':null,'sum_amount':'0.04'},{'account.region':'eu','sum_amount':'0.03'}]"},
        {ANON, "POST /api/accounts/_aggregate {'count': '*'}", "401"},
        {ALICE, "QUERY /api/vaults/_aggregate {'count': '*'}", "403"},
        {ADMIN, "POST /api/sealed/_aggregate {'count': '*'}", "405; @Allow = OPTIONS"},
        /* facets count only the rows the role sees */
        {ALICE, "/api/entries?facet=account.region&limit=0",
         "meta.facets = {'account.region':{'values':[{'value':'eu','count':2},{'value':null,'count':1}],"
         "'truncated':false}}; @queries = 2"},
        {BOB, "/api/entries?facet=account.region,owner&limit=0",
         "meta.facets = {'account.region':{'values':[{'value':null,'count':1},{'value':'eu','count':1}],"
         "'truncated':false},'owner':{'values':[{'value':'bob','count':2}],'truncated':false}}"},
        {ALICE, "/api/accounts/1/entries?facet=owner&limit=0",
         "meta.facets.owner.values = [{'value':'alice','count':2}]"},
    );
}
END_TEST

START_TEST(sums_past_64_bits_and_rounding)
{
    RT_AS_CASES(&agg, TOKEN,
        {ADMIN, "/api/bigs/_aggregate?sum=v", "422 /query/sum"},
        {ADMIN, "/api/bigs/_aggregate?group_by=grp&sum=v", "422 /query/sum"},
        {ADMIN, "/api/bigs/_aggregate?group_by=grp&sum=v&having={\"grp\":\"small\"}",
         "data = [{'grp':'small','sum_v':-3}]"},
        {ADMIN, "/api/bigs/_aggregate?grp=small&sum=v&avg=v,exact&min=v&count=v",
         "data = [{'sum_v':-3,'avg_v':-1.5,'avg_exact':'0.00020000','min_v':-5,'count_v':2}]"},
        /* count and max of huge values are still exact */
        {ADMIN, "/api/bigs/_aggregate?grp=huge&max=v&count=*&sum=exact",
         "data = [{'max_v':9000000000000000000,'count':2,'sum_exact':'0.0002'}]"},
        /* a uuid's least and greatest, and its groups */
        {ADMIN, "/api/bigs/_aggregate?min=tag&max=tag&count_distinct=tag",
         "data = [{'min_tag':'0b2f0c1e-0000-4000-8000-0000000000ff','max_tag':'9b2f0c1e-0000-4000-8000-00000000000a',"
         "'count_distinct_tag':2}]"},
        {ADMIN, "/api/bigs/_aggregate?group_by=tag&count=*&having={\"tag\":\"0b2f0c1e-0000-4000-8000-0000000000ff\"}",
         "data = [{'tag':'0b2f0c1e-0000-4000-8000-0000000000ff','count':1}]"},
        {ADMIN, "/api/bigs/_aggregate?min=tag&having={\"min_tag\":{\"ne\":null}}", "400 /having/min_tag"},
    );
    /* means at scale + 4, half away from zero: 1/32 of 0.0001 is 0.000003125 */
    for (int i = 0; i < 32; i++) {
        char req[160];
        snprintf(req, sizeof req, "POST /api/bigs {'grp': 'half', 'exact': '%s'}", i ? "0" : "0.0001");
        rt_check(&agg, rt_as(TOKEN[ADMIN], req), "201");
        snprintf(req, sizeof req, "POST /api/bigs {'grp': 'minus', 'exact': '%s'}", i ? "0" : "-0.0001");
        rt_check(&agg, rt_as(TOKEN[ADMIN], req), "201");
    }
    RT_AS_CASES(&agg, TOKEN,
        {ADMIN, "/api/bigs/_aggregate?group_by=grp&avg=exact&filter={\"grp\":{\"in\":[\"half\",\"minus\"]}}",
         "data = [{'grp':'half','avg_exact':'0.00000313'},{'grp':'minus','avg_exact':'-0.00000313'}]"},
        {ADMIN, "/api/bigs/_aggregate?group_by=grp&avg=exact&having={\"avg_exact\":{\"gt\":\"0.000003125\"}}",
         "data[].grp = ['half','huge','small']"},
        {ADMIN, "/api/bigs/_aggregate?group_by=grp&avg=exact&having={\"avg_exact\":\"-0.00000313\"}",
         "data[].grp = ['minus']"},
    );
}
END_TEST

/* Computed attributes (SPEC §9) as keys and arguments: an expression with
 * parameters is grouped and sorted by its position (PostgreSQL matches it
 * only so), an aggregate subquery summed. */
START_TEST(computed_attributes)
{
    RT_CASES(&cmp,
        {"/api/books/_aggregate?group_by=author.fullname&count=*&sort=-count",
         "data = [{'author.fullname':'Ursula Le Guin','count':2},{'author.fullname':'Stanislaw Lem','count':1}];"
         "@queries = 1"},
        {"/api/authors/1/books/_aggregate?group_by=author.fullname&count=*",
         "data = [{'author.fullname':'Ursula Le Guin','count':2}]"},
        {"/api/authors/_aggregate?group_by=address_count&count=*&sort=-address_count",
         "data = [{'address_count':2,'count':1},{'address_count':1,'count':1},{'address_count':0,'count':1}]"},
        {"/api/authors/_aggregate?sum=book_count&max=fullname&having={\"sum_book_count\":{\"ge\":3}}",
         "data = [{'sum_book_count':3,'max_fullname':'Ursula Le Guin'}]"},
        {"/api/authors/_aggregate?group_by=fullname&having={\"fullname\":\"x\"}", "400 /having/fullname"},
        {"/api/authors?facet=fullname&limit=0",
         "meta.facets.fullname.values = [{'value':'New Writer','count':1},{'value':'Stanislaw Lem','count':1},"
         "{'value':'Ursula Le Guin','count':1}]"},
    );
}
END_TEST

Suite *http_aggregate_suite(void)
{
    Suite *s = suite_create("http_aggregate");
    TS_TCASE(s, "shop", shop_start, shop_stop, 60, groups_with_exact_sums_and_means, null_and_dotted_groups,
             having_sort_and_paging, collections, errors_point_at_their_parameter, reserved_segment_and_methods,
             query_bodies, facets_count_the_filtered_set);
    TS_TCASE(s, "scoped", agg_start, agg_stop, 60, row_filter_and_permissions, sums_past_64_bits_and_rounding);
    TS_TCASE(s, "computed", cmp_start, cmp_stop, 60, computed_attributes);
    return s;
}
