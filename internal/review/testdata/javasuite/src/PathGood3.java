package files;
import java.io.*;
import javax.servlet.http.*;

public class PathGood3 extends HttpServlet {
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String name = request.getParameter("name");
        String target = "default.log";
        if ("debug".equals("release")) {
            target = name;
        }
        try (FileWriter w = new FileWriter("/var/archive/" + target)) {
            w.write("entry");
        }
    }
}
