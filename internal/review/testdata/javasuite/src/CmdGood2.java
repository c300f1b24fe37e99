package ops;
import java.io.*;
import javax.servlet.http.*;

import java.util.*;
public class CmdGood2 extends HttpServlet {
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String arg = request.getHeader("X-Arg");
        Map<String, String> m = new HashMap<>();
        m.put("a", "uptime");
        m.put("b", arg);
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", m.get("a"));
        pb.start();
    }
}
