/* html_page.c — head, header, table frame and script of the HTML report (see html_page.h). */
#include "html_page.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <string.h>

#include "fmt_time.h"
#include "html_esc.h"
#include "html_svg.h"

static const char style[] =
    "body{font:14px/1.4 system-ui,DejaVu Sans,sans-serif;margin:0 1.5em 2em;color:#222;background:#fff}"
    "h1{font-size:1.5em;margin:.6em 0 .2em}h2{margin:1.2em 0 .4em;border-bottom:2px solid #ddd}"
    "h3{font-size:1.05em;margin:.2em 0}a{color:#1a5fb4}code,.fp{font-family:DejaVu Sans Mono,monospace}"
    ".fp{font-size:11px;color:#666}.note{color:#555;font-style:italic}nav a{margin-right:1em}"
    ".badge{display:inline-block;padding:0 .45em;border-radius:.3em;color:#fff;font-weight:600}"
    ".badge.bad{background:#c01c28}.badge.good{background:#26a269}.badge.neutral{background:#9a6700}"
    "td.v.bad{color:#c01c28;font-weight:600}td.v.good{color:#26a269}td.v.neutral{color:#9a6700}"
    "table{border-collapse:collapse;margin:.4em 0}th,td{border:1px solid #ddd;padding:2px 6px;text-align:left;"
    "vertical-align:top;font-size:13px}th{background:#f3f3f3}"
    "html.js #conns th{cursor:pointer}th[data-dir=a]::after{content:' \\25B2'}th[data-dir=d]::after{content:' \\25BC'}"
    "#filters input,#filters select{margin-right:1em}.tablewrap{max-height:32em;overflow:auto;border:1px solid #ddd}"
    "table.ct{table-layout:fixed;width:100%;margin:0;overflow-wrap:anywhere}#conns{position:sticky;top:0;z-index:1}"
    ".chunk{content-visibility:auto;contain-intrinsic-size:auto 6000px}"
    ".ct th:nth-child(1),.ct td:nth-child(1){width:4%}.ct th:nth-child(2),.ct td:nth-child(2){width:8%}"
    ".ct th:nth-child(3),.ct td:nth-child(3),.ct th:nth-child(4),.ct td:nth-child(4){width:12%}"
    ".ct th:nth-child(5),.ct td:nth-child(5){width:16%}.ct th:nth-child(6),.ct td:nth-child(6){width:6%}"
    ".ct th:nth-child(7),.ct td:nth-child(7){width:13%}.wide{overflow-x:auto;max-width:100%}"
    "article.conn{border:1px solid #ccc;border-left:6px solid #26a269;border-radius:4px;margin:1em 0;padding:.5em 1em}"
    "article.bad{border-left-color:#c01c28}article.neutral{border-left-color:#d4a72c}"
    ".meta{color:#444;margin:.1em 0 .4em}.dia{overflow-x:auto}"
    "svg.ladder{font:12px DejaVu Sans,sans-serif;background:#fcfcfc}svg.ladder .life{stroke:#888;stroke-width:2}"
    "svg.ladder text{text-anchor:middle}svg.ladder .who{font-weight:600}"
    "svg.ladder .t,svg.ladder .n{fill:#777;font-size:11px;text-anchor:end}svg.ladder .n{text-anchor:start}"
    "svg .a{stroke:#333;stroke-width:1.5;fill:none;marker-end:url(#ah)}svg.defs{position:absolute}"
    "article.conn{content-visibility:auto;contain-intrinsic-size:auto 700px}"
    "svg .enc .a{stroke-dasharray:6 4;stroke:#6a6a6a}svg .enc text{fill:#555;font-style:italic}"
    "svg .alert .a{stroke:#c01c28;stroke-width:2;marker-end:url(#ahr)}svg .alert text{fill:#c01c28}"
    "svg .app .a{stroke:#613583;stroke-width:2;marker-end:url(#ahp)}svg .app text{fill:#613583}"
    "svg .nb{fill:#f6f5f4;stroke:#aaa;stroke-dasharray:3 3}svg .note text{fill:#555}"
    "svg .hl{fill:#ffe08a;opacity:.65}svg .ev text{font-weight:700}svg .ev .a{stroke-width:3}"
    ".verdict p{margin:.3em 0}.evk{font-style:italic;color:#555}.fix{background:#eef6ee;padding:.2em .4em}"
    "ul.findings,ul.cf{margin:.2em 0;padding-left:1.2em}li.error{color:#a51d2d}li.warning{color:#8a5b00}"
    "li.info{color:#555}.sev{font-weight:600;text-transform:uppercase;font-size:11px}"
    ".chains{display:flex;flex-wrap:wrap;gap:1.5em}.chain h4{margin:.4em 0 .2em}"
    "ul.tree{list-style:none;margin:0;padding-left:1.1em;border-left:1px dashed #bbb}"
    "ul.tree>li{margin:.2em 0}.chain>ul.tree{padding-left:0;border-left:0}.cert{padding:.15em 0}"
    ".cert .subj{font-weight:600}.cert .cm{font-size:12px;color:#444}.idx{color:#888}"
    "svg.vbar{vertical-align:middle}svg.vbar rect{fill:#ddd}svg.vbar rect.in{fill:#57e389}"
    "svg.vbar rect.out{fill:#f66151}svg.vbar .at{stroke:#000;stroke-width:2}"
    ".val.bad{color:#c01c28}.val.good{color:#26a269}"
    "svg.chart{font:12px DejaVu Sans,sans-serif}svg.chart rect.bad{fill:#c01c28}svg.chart rect.good{fill:#26a269}"
    "svg.chart rect.neutral{fill:#d4a72c}table.matrix td.x{text-align:center;color:#26a269}"
    "tr.bad td:first-child{border-left:3px solid #c01c28}";

/* Sorts and filters the connection table; draws the connections kept as
 * data when one is opened (#cID: the table's link, or a link from elsewhere),
 * with the layout numbers of html_svg.h (data-l on <body>), building every
 * element with createElement(NS) and textContent, never from markup. The
 * table's rows come in chunks of HTML_TABLE_CHUNK (one table each, so that
 * the browser lays out only the chunks in view: content-visibility); a sort
 * refills the chunks in the new order. The
 * #lazy block is an array of {id, v: verdict, k: its class, e: evidence,
 * c/s: client/server address, t: first packet (us), more: steps left out,
 * m: SNI/version/cipher line, x/f: explanation/fix, steps: [[dir 0 C->S |
 * 1 S->C, ms, look (html_step.h), evidence 0|1, label]], chains: [[side,
 * valid, [[subject, issuer, not_before, not_after, key]]]], fi: [finding]},
 * every string an index into the #strings array. */
static const char script[] =
    "(function(){'use strict';var d=document,L0=JSON.parse(d.body.getAttribute('data-l'));"
    "d.documentElement.className='js';"
    "var t=d.getElementById('conns');"
    "if(t){var tbs=[].slice.call(d.querySelectorAll('#table tbody')),rows=[],CH=L0.chunk,"
    "f=d.getElementById('filters');tbs.forEach(function(tb){rows=rows.concat([].slice.call(tb.rows));});f.hidden=false;"
    "var fv=d.getElementById('fv'),fs=d.getElementById('fs'),fc=d.getElementById('fc'),fn=d.getElementById('fn');"
    "var apply=function(){var v=fv.value,s=fs.value.toLowerCase(),c=fc.value.toLowerCase(),n=0;"
    "rows.forEach(function(r){var x=r.cells,ok=(!v||x[6].textContent===v)&&"
    "(!s||x[4].textContent.toLowerCase().indexOf(s)>=0)&&(!c||x[7].textContent.toLowerCase().indexOf(c)>=0);"
    "if(r.hidden!==!ok)r.hidden=!ok;if(ok)n++;});fn.textContent=n+' of '+rows.length+' shown';};"
    "[fv,fs,fc].forEach(function(e){e.addEventListener('input',apply);});fn.textContent=rows.length+' shown';"
    "var ths=t.tHead.rows[0].cells;[].forEach.call(ths,function(th,i){th.addEventListener('click',function(){"
    "var dir=th.getAttribute('data-dir')==='a'?-1:1;[].forEach.call(ths,function(h){h.removeAttribute('data-dir');});"
    "th.setAttribute('data-dir',dir>0?'a':'d');rows.sort(function(a,b){var p=a.cells[i],q=b.cells[i],"
    "x=p.getAttribute('data-n'),y=q.getAttribute('data-n');if(x!==null&&y!==null)return (x-y)*dir;"
    "return p.textContent.localeCompare(q.textContent)*dir;});var k=0;tbs.forEach(function(tb){"
    "var fr=d.createDocumentFragment();for(var i=0;i<CH&&k<rows.length;i++)fr.appendChild(rows[k++]);"
    "tb.appendChild(fr);});});});}"
    "var L=L0,NS='http://www.w3.org/2000/svg',S=null,LZ=null,"
    "LOOK=['msg','enc','alert','app','note'];"
    "var el=function(p,n,a,tx){var e=d.createElementNS(NS,n);for(var k in a)e.setAttribute(k,a[k]);"
    "if(tx!=null)e.textContent=tx;if(p)p.appendChild(e);return e;};"
    "var he=function(p,n,tx,c){var e=d.createElement(n);if(tx!=null)e.textContent=tx;if(c)e.className=c;"
    "if(p)p.appendChild(e);return e;};"
    "var dy=function(v){return new Date(v*1000).toISOString().slice(0,10);};"
    "var ladder=function(j){var n=j.steps.length+(j.more?1:0),h=L.top+n*L.row+4,mid=(L.xc+L.xs)/2;"
    "var s=el(null,'svg',{'class':'ladder','data-connection':j.id,'data-verdict':j.v,width:L.w,height:h,"
    "viewBox:'0 0 '+L.w+' '+h,role:'img'});"
    "el(s,'text',{'class':'who',x:L.xc,y:14},'client '+j.c);el(s,'text',{'class':'who',x:L.xs,y:14},'server '+j.s);"
    "el(s,'path',{'class':'life',d:'M'+L.xc+' 22V'+(h-2)+'M'+L.xs+' 22V'+(h-2)});"
    "j.steps.forEach(function(st,i){var y=L.top+i*L.row,no=i+1,look=LOOK[st[2]],lb=S[st[4]],g=el(s,'g',"
    "{'class':'s '+look+(st[3]?' ev':'')});if(st[3])g.setAttribute('data-evidence',no);"
    "if(lb.length>L.chars)el(g,'title',{},lb);"
    "if(st[3])el(g,'rect',{'class':'hl',x:100,y:y-17,width:L.w-104,height:L.row-2});"
    "el(g,'text',{'class':'n',x:4,y:y+4},no);el(g,'text',{'class':'t',x:96,y:y+4},st[1].toFixed(3)+' ms');"
    "if(look==='note'){el(g,'rect',{'class':'nb',x:L.xc-40,y:y-12,width:L.xs-L.xc+80,height:16});}"
    "else{var x1=st[0]?L.xs:L.xc,x2=st[0]?L.xc+2:L.xs-2;el(g,'path',{'class':'a',d:'M'+x1+' '+(y+4)+'H'+x2});}"
    "el(g,'text',{x:mid,y:y},(st[3]?'\u26a0 ':'')+(lb.length>L.chars?lb.slice(0,L.chars)+'\u2026':lb));});"
    "if(j.more)el(s,'text',{'class':'m',x:mid,y:L.top+j.steps.length*L.row},"
    "'... '+j.more+' more steps (the text and JSON reports list them)');return s;};"
    "var article=function(j){var a=he(null,'article',null,'conn '+j.k),h=he(a,'h3'),l=he(h,'a','#'+j.id);"
    "a.id='c'+j.id;l.href='#c'+j.id;h.appendChild(d.createTextNode(' '+j.c+' \u2192 '+j.s+' '));"
    "he(h,'span',j.v,'badge '+j.k);he(a,'p',new Date(j.t/1000).toISOString().replace('T',' ')+' \u00b7 '+S[j.m],"
    "'meta');he(a,'div',null,'dia').appendChild(ladder(j));"
    "var v=he(a,'div',null,'verdict'),vp=he(v,'p'),ev=[];he(vp,'b','Verdict: ');he(vp,'span',j.v,'badge '+j.k);"
    "he(vp,'span',' '+j.e,'evk');j.steps.forEach(function(st,i){if(st[3])ev.push(i+1);});"
    "if(ev.length)vp.appendChild(d.createTextNode(' \u2014 rests on step '+ev.join(', ')));"
    "if(S[j.x])he(v,'p',S[j.x]);"
    "if(S[j.f]){var fx=he(v,'p',null,'fix');he(fx,'b','Fix: ');fx.appendChild(d.createTextNode(S[j.f]));}"
    "if(j.fi.length){var ul=he(v,'ul',null,'findings');j.fi.forEach(function(k){he(ul,'li',S[k]);});}"
    "var cs=he(a,'div',null,'chains'),hs=j.t/1e6;j.chains.forEach(function(ch){var c=he(cs,'div',null,'chain'),p=c;"
    "he(c,'h4',ch[0]+' certificate chain ('+(ch[1]?'valid':'INVALID')+')');"
    "for(var k=ch[2].length-1;k>=0;k--){var ce=ch[2][k],u=he(p,'ul',null,'tree'),li=he(u,'li'),"
    "cd=he(li,'div',null,'cert');he(cd,'span','['+k+'] ','idx');he(cd,'span',S[ce[0]],'subj');"
    "he(cd,'div','issuer '+S[ce[1]],'cm');he(cd,'div',dy(ce[2])+' .. '+dy(ce[3])+"
    "(hs>=ce[2]&&hs<=ce[3]?'':' (NOT valid at the handshake)'),'cm');he(cd,'div','key '+S[ce[4]],'cm');p=li;}});"
    "return a;};"
    "var open=function(){var m=/^#c(\\d+)$/.exec(location.hash);if(!m||d.getElementById('c'+m[1]))return;"
    "if(!LZ){LZ={};S=JSON.parse(d.getElementById('strings').textContent);"
    "JSON.parse(d.getElementById('lazy').textContent).forEach(function(o){LZ[o.id]=o;});}"
    "var j=LZ[m[1]];if(!j)return;var a=article(j),o=d.getElementById('opened');o.insertBefore(a,o.firstChild);"
    "a.scrollIntoView();};window.addEventListener('hashchange',open);open();})();";

/* "'sha256-BASE64'" of s into out (>= 60 bytes); "'none'" when it cannot be computed. */
static void csp_hash(const char *s, char *out, size_t n)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    unsigned char b64[64];
    if (EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32 ||
        EVP_EncodeBlock(b64, md, (int)mdlen) != 44) {
        snprintf(out, n, "'none'");
        return;
    }
    snprintf(out, n, "'sha256-%s'", (const char *)b64);
}

void html_page_begin(growbuf *b, const char *source)
{
    char hs[128], hj[128];
    csp_hash(style, hs, sizeof hs);
    csp_hash(script, hj, sizeof hj);
    growbuf_printf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src %s; "
                      "script-src %s; img-src data:; base-uri 'none'; form-action 'none'\">"
                      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                      "<meta name=\"generator\" content=\"mtlsdump " MTLS_VERSION "\"><title>mtlsdump: ",
                   hs, hj);
    html_text(b, source ? source : "report", 0);
    growbuf_printf(b, "</title><style>%s</style></head>\n", style);
    growbuf_printf(b,
                   "<body data-l='{\"w\":%d,\"xc\":%d,\"xs\":%d,\"top\":%d,\"row\":%d,\"chars\":%d,\"chunk\":%d}'>\n",
                   HTML_LADDER_W, HTML_LADDER_XC, HTML_LADDER_XS, HTML_LADDER_TOP, HTML_LADDER_ROW,
                   HTML_LABEL_CHARS, HTML_TABLE_CHUNK);
    /* the arrow heads of every diagram (CSS marker-end), one per colour */
    growbuf_puts(b, "<svg class=\"defs\" width=\"0\" height=\"0\" aria-hidden=\"true\"><defs>");
    static const char *const heads[][2] = {{"ah", "#333"}, {"ahr", "#c01c28"}, {"ahp", "#613583"}};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
        growbuf_printf(b, "<marker id=\"%s\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
                          "markerHeight=\"7\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0 0L10 "
                          "5L0 10z\" fill=\"%s\"/></marker>",
                       heads[i][0], heads[i][1]);
    growbuf_puts(b, "</defs></svg>\n");
}

/* "2 h 3 min", "4.5 s", ... */
static void duration(growbuf *b, uint64_t us)
{
    double s = (double)us / 1e6;
    if (s < 120)
        growbuf_printf(b, "%.3f s", s);
    else if (s < 7200)
        growbuf_printf(b, "%.1f min", s / 60);
    else
        growbuf_printf(b, "%.1f h", s / 3600);
}

void html_page_header(growbuf *b, const html_header *h)
{
    growbuf_puts(b, "<header><h1>mtlsdump report</h1><p>Capture <b>");
    html_text(b, h->source, 0);
    growbuf_puts(b, "</b>");
    if (h->connections) {
        char t1[40], t2[40];
        growbuf_printf(b, " &#183; %s .. %s (", fmt_time_rfc3339(h->first_us, t1, sizeof t1),
                       fmt_time_rfc3339(h->last_us, t2, sizeof t2));
        duration(b, h->last_us - h->first_us);
        growbuf_puts(b, ")");
    }
    growbuf_printf(b, " &#183; <b>%zu</b> connection%s, <b>%zu failed</b></p>", h->connections,
                   h->connections == 1 ? "" : "s", h->failed);
    /* failed verdicts first, each group in the table's order */
    html_bar bars[VERDICT__COUNT];
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int v = 1; v < VERDICT__COUNT; v++) {
            const verdict_info *vi = verdict_get((verdict_t)v);
            if (!h->counts[v] || vi->failed != (pass == 0))
                continue;
            bars[n++] = (html_bar){vi->name, h->counts[v],
                                   vi->failed ? "bad" : vi->tone == TONE_GOOD ? "good" : "neutral"};
        }
    if (n)
        html_bar_chart(b, bars, n);
    if (h->listed < h->connections)
        growbuf_printf(b, "<p class=\"note\">This page lists the first %zu connections (failed ones first); the "
                          "counts above cover all %zu. Narrow the capture with --only-failures, --sni, "
                          "--client-subject or a BPF filter to see the others.</p>",
                       h->listed, h->connections);
    if (h->drawn < h->listed)
        growbuf_printf(b, "<p class=\"note\">Sequence diagrams are drawn in the page for %zu connections (the "
                          "failed ones first); the other %zu are drawn when opened from the table (their data is "
                          "embedded in the page; this needs script).</p>",
                       h->drawn, h->listed - h->drawn);
    growbuf_puts(b, "<nav><a href=\"#table\">Connections</a><a href=\"#handshakes\">Handshakes</a>"
                    "<a href=\"#inventory\">Inventory</a></nav></header>\n");
}

void html_page_table_begin(growbuf *b, const html_header *h)
{
    growbuf_puts(b, "<section id=\"table\"><h2>Connections</h2><div id=\"filters\" hidden>"
                    "<label>verdict <select id=\"fv\"><option value=\"\">all</option>");
    for (int pass = 0; pass < 2; pass++)
        for (int v = 1; v < VERDICT__COUNT; v++) {
            const verdict_info *vi = verdict_get((verdict_t)v);
            if (h->counts[v] && vi->failed == (pass == 0))
                growbuf_printf(b, "<option>%s</option>", vi->name);
        }
    growbuf_puts(b, "</select></label><label>SNI <input id=\"fs\" type=\"search\"></label>"
                    "<label>client certificate <input id=\"fc\" type=\"search\"></label><span id=\"fn\"></span></div>"
                    "<div class=\"tablewrap\"><table id=\"conns\" class=\"ct\"><thead><tr><th>#</th><th>start (UTC)</th>"
                    "<th>client</th><th>server</th><th>SNI</th><th>version</th><th>verdict</th>"
                    "<th>client certificate</th></tr></thead></table>\n<div class=\"chunk\"><table class=\"ct\"><tbody>\n");
}

void html_page_table_chunk(growbuf *b)
{
    growbuf_puts(b, "</tbody></table></div>\n<div class=\"chunk\"><table class=\"ct\"><tbody>\n");
}

void html_page_table_end(growbuf *b) { growbuf_puts(b, "</tbody></table></div></div></section>\n"); }

void html_page_end(growbuf *b) { growbuf_printf(b, "<script>%s</script>\n</body></html>\n", script); }
