package files;
import java.io.*;
import javax.servlet.http.*;

public class PathBad3 extends HttpServlet {
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String[] names = request.getParameterValues("name");
        String target = "default.log";
        if (names != null && names.length > 0) {
            target = names[0];
        }
        new Archiver().write(target, "entry");
    }
}

class Archiver {
    void write(String name, String text) throws IOException {
        try (FileWriter w = new FileWriter("/var/archive/" + name)) {
            w.write(text);
        }
    }
}
