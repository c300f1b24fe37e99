package files;
import java.io.*;
import javax.servlet.http.*;

public class PathBad1 extends HttpServlet {
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String name = request.getParameter("file");
        File f = new File("/srv/reports/" + name);
        try (InputStream in = new FileInputStream(f)) {
            in.transferTo(response.getOutputStream());
        }
    }
}
