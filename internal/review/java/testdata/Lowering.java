package shop.web;

import java.util.*;
import javax.servlet.http.HttpServletRequest;

@WebServlet("/x")
public class Lowering extends HttpServlet {
    private static final String MODE = "fast";
    private final Map<String, Integer> counts = new HashMap<>();

    public String doPost(HttpServletRequest request, @RequestParam("q") String q, String... rest) throws Exception {
        String p = request.getParameter("p");
        int n = 0, m;
        for (int i = 0; i < 3; i++) {
            n += i;
        }
        for (String r : rest) {
            if (r == null) continue;
        }
        switch (p.charAt(0)) {
            case 'a': n = 1; break;
            case 'b':
            case 'c': m = 2;
            default: n = 3;
        }
        try (java.io.InputStream in = new java.io.FileInputStream("/t/" + p)) {
            in.read();
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalStateException(e);
        } finally {
            counts.clear();
        }
        Object o = (String) counts.get("k");
        String t = n > 2 ? "big" : this.MODE;
        do { n--; } while (n > 0);
        Runnable f = () -> System.out.println(t);
        return new StringBuilder(p).append(t).toString();
    }

    Lowering(int start) {
        this.counts.put("start", start);
    }

    static class Inner {
        int size() { return 0; }
    }
}
