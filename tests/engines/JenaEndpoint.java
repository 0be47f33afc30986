// A minimal SPARQL 1.1 Protocol endpoint (query side) over a Jena TDB2 store, for minelaw's
// engine tests and benchmarks (issue 21; started by tests/engines/jena.py).
//
// Fuseki is not packaged by Debian; this uses only Jena ARQ/TDB2 (libapache-jena-java)
// and the JDK's com.sun.net.httpserver.  Read-only: queries only, no update, no GSP.
//
//   java -cp <xerces-fix.jar>:<jena class path> JenaEndpoint.java --loc DIR --port N [--union]
//        [--db NAME=DIR ...] [--load NAME=DIR=FILE ...]
//
// --loc DIR serves the TDB2 store in DIR at /sparql; --db NAME=DIR serves another at
// /NAME/sparql; --load NAME=DIR=FILE first loads FILE (N-Quads or TriG) into a new TDB2 store in
// DIR inside this JVM (many small stores without one tdb2.tdbloader JVM each).
// /sparql: GET ?query=, POST application/x-www-form-urlencoded (query=), POST
// application/sparql-query; default-graph-uri / named-graph-uri as in the protocol;
// --union: the default graph is the union of the named graphs (tdb2 unionDefaultGraph) for
// queries that name no dataset (no FROM / FROM NAMED / protocol graph parameters).
// Results: application/sparql-results+json (default), +xml, text/csv, text/tab-separated-values;
// graphs: application/n-triples (default) or text/turtle.  Other methods: 405.

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.jena.query.*;
import org.apache.jena.rdf.model.Model;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.system.Txn;
import org.apache.jena.tdb2.TDB2;
import org.apache.jena.tdb2.TDB2Factory;

public class JenaEndpoint {
    static long timeoutMs = 300_000;
    static boolean unionDefault = false;

    public static void main(String[] args) throws Exception {
        int port = 0;
        boolean union = false;
        Map<String, Dataset> datasets = new java.util.LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--loc": datasets.put("", TDB2Factory.connectDataset(args[++i])); break;
                case "--db": {
                    String[] nd = args[++i].split("=", 2);
                    datasets.put(nd[0], TDB2Factory.connectDataset(nd[1]));
                    break;
                }
                case "--load": {
                    String[] ndf = args[++i].split("=", 3);
                    Dataset d = TDB2Factory.connectDataset(ndf[1]);
                    Txn.executeWrite(d, () -> RDFDataMgr.read(d, ndf[2]));
                    datasets.put(ndf[0], d);
                    break;
                }
                case "--port": port = Integer.parseInt(args[++i]); break;
                case "--union": union = true; break;
                case "--timeout": timeoutMs = Long.parseLong(args[++i]) * 1000; break;
                default: throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        unionDefault = union;
        HttpServer srv = HttpServer.create(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        for (Map.Entry<String, Dataset> e : datasets.entrySet()) {
            Dataset d = e.getValue();
            String path = e.getKey().isEmpty() ? "/sparql" : "/" + e.getKey() + "/sparql";
            srv.createContext(path, ex -> handle(ex, d));
        }
        srv.setExecutor(Executors.newFixedThreadPool(2));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> srv.stop(0)));
        srv.start();
        System.out.println("JenaEndpoint ready on " + srv.getAddress());
    }

    static Map<String, List<String>> params(String s, Map<String, List<String>> into) {
        if (s == null || s.isEmpty()) return into;
        for (String kv : s.split("&")) {
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            into.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return into;
    }

    static void send(HttpExchange ex, int status, String ctype, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", ctype);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream os = ex.getResponseBody()) { os.write(body); }
    }

    static void handle(HttpExchange ex, Dataset ds) throws IOException {
        try {
            Map<String, List<String>> p = params(ex.getRequestURI().getRawQuery(), new HashMap<>());
            String method = ex.getRequestMethod();
            String query = null;
            if (method.equals("POST")) {
                String ct = String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")).toLowerCase();
                java.util.regex.Matcher cs = java.util.regex.Pattern.compile("charset=\\s*\"?([\\w-]+)").matcher(ct);
                if (cs.find() && !cs.group(1).equals("utf-8")) {
                    send(ex, 415, "text/plain", ("unsupported charset " + cs.group(1)).getBytes());
                    return;
                }
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                if (ct.startsWith("application/sparql-query")) query = body;
                else if (ct.startsWith("application/x-www-form-urlencoded")) params(body, p);
                else { send(ex, 415, "text/plain", ("unsupported media type " + ct).getBytes()); return; }
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                ex.getResponseHeaders().set("Allow", "GET, POST");
                send(ex, 405, "text/plain", "method not allowed".getBytes());
                return;
            }
            if (p.getOrDefault("query", List.of()).size() + (query == null ? 0 : 1) > 1) {
                send(ex, 400, "text/plain", "more than one query".getBytes());
                return;
            }
            if (query == null && p.containsKey("query")) query = p.get("query").get(0);
            if (query == null) { send(ex, 400, "text/plain", "no query".getBytes()); return; }
            Query q;
            try {
                q = QueryFactory.create(query, Syntax.syntaxSPARQL_11);  // strict SPARQL 1.1, no ARQ extensions
            } catch (QueryParseException e) {
                send(ex, 400, "text/plain; charset=utf-8", e.getMessage().getBytes(StandardCharsets.UTF_8));
                return;
            }
            // protocol dataset overrides FROM / FROM NAMED (SPARQL 1.1 Protocol 2.1.4)
            List<String> dg = p.getOrDefault("default-graph-uri", List.of());
            List<String> ng = p.getOrDefault("named-graph-uri", List.of());
            if (!dg.isEmpty() || !ng.isEmpty()) {
                q.getGraphURIs().clear();
                q.getNamedGraphURIs().clear();
                dg.forEach(q::addGraphURI);
                ng.forEach(q::addNamedGraphURI);
            }
            String accept = String.valueOf(ex.getRequestHeaders().getFirst("Accept")).toLowerCase();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            String[] ctype = new String[1];
            Txn.executeRead(ds, () -> {
                // TDB2's unionDefaultGraph overrides FROM (the query's default graph is then
                // the union whatever FROM says): set it only for queries without a dataset
                boolean union = unionDefault && !q.hasDatasetDescription();
                try (QueryExecution qe = QueryExecution.dataset(ds).query(q)
                        .set(TDB2.symUnionDefaultGraph, union)
                        .timeout(timeoutMs, TimeUnit.MILLISECONDS).build()) {
                    if (q.isSelectType() || q.isAskType()) {
                        boolean ask = q.isAskType();
                        boolean b = ask && qe.execAsk();
                        ResultSet rs = ask ? null : qe.execSelect();
                        if (accept.contains("sparql-results+xml")) {
                            ctype[0] = "application/sparql-results+xml";
                            if (ask) ResultSetFormatter.outputAsXML(out, b); else ResultSetFormatter.outputAsXML(out, rs);
                        } else if (accept.contains("text/csv")) {
                            ctype[0] = "text/csv; charset=utf-8";
                            if (ask) ResultSetFormatter.outputAsCSV(out, b); else ResultSetFormatter.outputAsCSV(out, rs);
                        } else if (accept.contains("text/tab-separated-values")) {
                            ctype[0] = "text/tab-separated-values; charset=utf-8";
                            if (ask) ResultSetFormatter.outputAsTSV(out, b); else ResultSetFormatter.outputAsTSV(out, rs);
                        } else {
                            ctype[0] = "application/sparql-results+json";
                            if (ask) ResultSetFormatter.outputAsJSON(out, b); else ResultSetFormatter.outputAsJSON(out, rs);
                        }
                    } else {
                        Model m = q.isConstructType() ? qe.execConstruct() : qe.execDescribe();
                        boolean ttl = accept.contains("text/turtle") && !accept.contains("n-triples");
                        ctype[0] = ttl ? "text/turtle; charset=utf-8" : "application/n-triples";
                        RDFDataMgr.write(out, m, ttl ? Lang.TURTLE : Lang.NTRIPLES);
                    }
                }
            });
            send(ex, 200, ctype[0], method.equals("HEAD") ? new byte[0] : out.toByteArray());
        } catch (QueryCancelledException e) {
            send(ex, 503, "text/plain", "query timed out".getBytes());
        } catch (Throwable e) {
            send(ex, 500, "text/plain; charset=utf-8", String.valueOf(e).getBytes(StandardCharsets.UTF_8));
        }
    }
}
