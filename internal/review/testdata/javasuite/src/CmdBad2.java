package ops;
import java.io.*;
import javax.servlet.http.*;

import java.util.*;
public class CmdBad2 extends HttpServlet {
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String arg = request.getHeader("X-Arg");
        List<String> cmd = new ArrayList<>();
        cmd.add("sh");
        cmd.add("-c");
        cmd.add("echo " + arg);
        ProcessBuilder pb = new ProcessBuilder();
        pb.command(cmd);
        pb.start();
    }
}
